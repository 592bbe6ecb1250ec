#pragma once
// The ledger's acknowledgement on the wire, signed like an access list: an envelope line
// {"v":2,"type":"ack_signed","key_id":..,"sig":..}, a newline, then the body
// {"v":1,"type":"ack","site":..,"machine":..,"at":ms,"ids":[...]}. The signature covers the
// key id and the body's exact bytes, so it binds the ids to one gate: an ack signed for laser-1
// deletes nothing on laser-2. An unsigned ack is the body alone (accepted only by a gate whose
// config says insecure_unsigned_acl and holds no ledger key).
//
// Replaying a genuine ack is harmless: it only names sessions the ledger has stored.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace fabgate {

inline constexpr std::string_view kAckEnvelopeType = "ack_signed";

// The most ids one ack may name. A gate has at most its outbox_window (500) sessions published
// and unacknowledged, so one ack can still clear a gate's whole window; and 500 ids of the
// longest kind (64 bytes, 67 with quotes and comma) make about 33 KiB, inside the 64 KiB payload
// limit with room for the header and the envelope, far under the broker's max_packet_size.
// Bounding the count bounds what one message makes a gate delete and log, whatever the ids.
inline constexpr std::size_t kMaxAckIds = 500;

struct SignedAck {
    std::string site;
    std::string machine;
    UnixMs at = 0;  // when the ledger sent it
    std::vector<std::string> ids;
};

// The body: what the ledger signs.
std::string encode_ack_body(const SignedAck& ack);
// Strict: at most kMaxPayloadBytes and kMaxAckIds ids, every field required, unknown keys
// refused.
Result<SignedAck> decode_ack_body(std::string_view body);
// Envelope and body, without checking the signature (tools and tests that only read acks).
Result<SignedAck> decode_ack_payload(std::string_view payload);

}  // namespace fabgate

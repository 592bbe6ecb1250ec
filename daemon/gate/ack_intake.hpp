#pragma once
// What a gate accepts as the ledger's acknowledgement before it deletes anything from its
// outbox: a payload within kMaxPayloadBytes whose signature over the raw body verifies with one
// of the gate's acl_public_keys (checked before the body is parsed), naming this gate's site and
// machine. Without a key, only a gate whose config says insecure_unsigned_acl takes unsigned
// acks. Anything else deletes nothing: the sessions stay and are resent until a valid ack.
#include <string_view>

#include "core/ack_wire.hpp"
#include "core/gate_config.hpp"
#include "core/result.hpp"

namespace fabgate {

Result<SignedAck> read_ack(std::string_view payload, const GateConfig& config);

}  // namespace fabgate

#include "gate/ack_intake.hpp"

#include "core/messages.hpp"
#include "core/signed_envelope.hpp"
#include "sys/acl_signature.hpp"

namespace fabgate {

Result<SignedAck> read_ack(std::string_view payload, const GateConfig& config) {
    if (payload.size() > kMaxPayloadBytes)
        return fail("ack", "payload is " + std::to_string(payload.size()) + " bytes, larger than " +
                               std::to_string(kMaxPayloadBytes));
    TRY_ASSIGN(auto wire, split_signed(payload, kAckEnvelopeType));
    if (!config.acl_public_keys.empty()) {
        TRY(acl_signature::verify_bytes(wire.body, wire.key_id, wire.signature,
                                        config.acl_public_keys));
    } else if (!config.insecure_unsigned_acl) {
        return fail("ack", "this gate has no acl_public_keys to check the ledger's signature with");
    }
    auto ack = decode_ack_body(wire.body);
    if (!ack) return ack;
    if (ack->site != config.site || ack->machine != config.machine)
        return fail("ack", "it is for " + ack->site + "/" + ack->machine + ", this gate is " +
                               config.site + "/" + config.machine);
    return ack;
}

}  // namespace fabgate

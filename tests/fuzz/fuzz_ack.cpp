// MQTT ack payloads come from the network and delete sessions from a gate's outbox. Anything
// must decode or be refused with a reason; what decodes must survive encode/decode unchanged;
// and a gate holding a fixed ledger key must never take an ack the input could have forged.
#include <cstdint>
#include <string_view>

#include "core/ack_wire.hpp"
#include "core/messages.hpp"
#include "core/signed_envelope.hpp"
#include "fuzz_seed_key.hpp"
#include "gate/ack_intake.hpp"

namespace {
fabgate::GateConfig gate_trusting(const char* public_key_hex) {
    fabgate::GateConfig c;
    c.site = "lab";
    c.machine = "laser-1";
    c.acl_public_keys = {public_key_hex};
    return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    // The signed format: envelope, then body.
    if (auto ack = fabgate::decode_ack_payload(payload)) {
        auto body = fabgate::encode_ack_body(*ack);
        auto again = fabgate::decode_ack_body(body);
        if (!again || fabgate::encode_ack_body(*again) != body) __builtin_trap();
    } else if (ack.error().what.empty()) {
        __builtin_trap();
    }
    // A gate with a key the input cannot hold the secret of: nothing is ever accepted.
    static const fabgate::GateConfig gate = gate_trusting(fabgate::fuzz::kUnknownPublicKeyHex);
    if (fabgate::read_ack(payload, gate)) __builtin_trap();
    // A gate trusting the seeds' throwaway key: the signed seed and mutants that keep its signed
    // bytes reach the body; what it takes must be for this gate.
    static const fabgate::GateConfig seeded = gate_trusting(fabgate::fuzz::kSeedPublicKeyHex);
    if (auto ack = fabgate::read_ack(payload, seeded)) {
        if (ack->site != seeded.site || ack->machine != seeded.machine) __builtin_trap();
    } else if (ack.error().what.empty()) {
        __builtin_trap();
    }
    return 0;
}

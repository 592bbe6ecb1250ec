// MQTT ack payloads come from the network and delete sessions from a gate's outbox. Anything
// must decode or be refused with a reason; what decodes must survive encode/decode unchanged;
// and a gate holding a fixed ledger key must never take an ack the input could have forged.
#include <cstdint>
#include <string_view>

#include "core/ack_wire.hpp"
#include "core/messages.hpp"
#include "core/signed_envelope.hpp"
#include "gate/ack_intake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    // The old, unsigned format (the ledger still splits ids with it).
    if (auto decoded = fabgate::decode_ack(payload)) {
        std::string once = fabgate::encode(*decoded);
        auto again = fabgate::decode_ack(once);
        if (!again || fabgate::encode(*again) != once) __builtin_trap();
    } else if (decoded.error().what.empty()) {
        __builtin_trap();
    }
    // The signed format: envelope, then body.
    if (auto ack = fabgate::decode_ack_payload(payload)) {
        auto body = fabgate::encode_ack_body(*ack);
        auto again = fabgate::decode_ack_body(body);
        if (!again || fabgate::encode_ack_body(*again) != body) __builtin_trap();
    } else if (ack.error().what.empty()) {
        __builtin_trap();
    }
    // A gate with a key the input cannot hold the secret of: nothing is ever accepted.
    static const fabgate::GateConfig gate = [] {
        fabgate::GateConfig c;
        c.site = "lab";
        c.machine = "laser-1";
        c.acl_public_keys = {"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"};
        return c;
    }();
    if (fabgate::read_ack(payload, gate)) __builtin_trap();
    return 0;
}

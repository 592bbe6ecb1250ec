// MQTT ack payloads come from the network: anything must decode or be refused with a reason,
// and what decodes must survive encode/decode unchanged (the receiver sees what was meant).
#include <cstdint>
#include <string_view>

#include "core/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    auto decoded = fabgate::decode_ack(payload);
    if (!decoded) {
        if (decoded.error().what.empty()) __builtin_trap();
        return 0;
    }
    std::string once = fabgate::encode(*decoded);
    auto again = fabgate::decode_ack(once);
    if (!again || fabgate::encode(*again) != once) __builtin_trap();
    return 0;
}

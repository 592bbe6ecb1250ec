// MQTT session payloads come from the network: anything must decode or be refused with a reason,
// and what decodes must survive encode/decode unchanged (the receiver sees what was meant). The
// plain fast path must never accept what the full reader refuses, nor read it differently.
#include <cstdint>
#include <string_view>

#include "core/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    if (auto plain = fabgate::detail::decode_plain_session(payload)) {
        auto full = fabgate::detail::decode_session_with_reader(payload);
        if (!full || fabgate::encode(*full) != fabgate::encode(*plain)) __builtin_trap();
    }
    auto decoded = fabgate::decode_session(payload);
    if (!decoded) {
        if (decoded.error().what.empty()) __builtin_trap();
        return 0;
    }
    std::string once = fabgate::encode(*decoded);
    auto again = fabgate::decode_session(once);
    if (!again || fabgate::encode(*again) != once) __builtin_trap();
    return 0;
}

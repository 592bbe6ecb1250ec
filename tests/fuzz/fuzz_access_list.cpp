// Access lists come from the broker and decide who gets a machine: anything must decode or be
// refused; a decoded list must round-trip, and a signature check on it must answer, never crash.
#include <cstdint>
#include <string_view>

#include "core/messages.hpp"
#include "sys/acl_signature.hpp"

namespace {
// A fixed key: random signatures in the input must never verify against it.
constexpr std::string_view kPublicKey =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    auto decoded = fabgate::decode_access_list(payload);
    if (!decoded) {
        if (decoded.error().what.empty()) __builtin_trap();
        return 0;
    }
    std::string once = fabgate::encode(decoded->list, decoded->signature);
    auto again = fabgate::decode_access_list(once);
    if (!again || fabgate::encode(again->list, again->signature) != once) __builtin_trap();
    if (again->list.entries.size() != decoded->list.entries.size()) __builtin_trap();
    if (fabgate::acl_signature::verify(*decoded, kPublicKey))
        __builtin_trap();  // a forgery got through
    return 0;
}

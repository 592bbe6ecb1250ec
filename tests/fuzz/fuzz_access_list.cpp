// Access lists come from the broker and decide who gets a machine. Anything must split and
// parse or be refused with a reason; a signature check must answer, never crash, and never pass
// for a key the input cannot hold; a parsed list must round-trip through the wire format.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/acl_wire.hpp"
#include "core/messages.hpp"
#include "sys/acl_signature.hpp"

namespace {
// A fixed key: random signatures in the input must never verify against it.
const std::vector<std::string> kTrusted{
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    // The gate's order: envelope, signature over the raw body, only then the body.
    auto wire = fabgate::split_access_list(payload);
    if (!wire) {
        if (wire.error().what.empty()) __builtin_trap();
    } else if (fabgate::acl_signature::verify(*wire, kTrusted)) {
        __builtin_trap();  // a forgery got through
    }
    // The bounded parser on its own, with small limits, on anything at all.
    fabgate::AclParseLimits small{.max_entries = 8, .max_string_bytes = 16};
    auto bounded = fabgate::parse_access_list_body(payload, small);
    if (bounded && bounded->entries.size() > small.max_entries) __builtin_trap();
    if (!bounded && bounded.error().what.empty()) __builtin_trap();

    auto decoded = fabgate::decode_access_list(payload);
    if (!decoded) {
        if (decoded.error().what.empty()) __builtin_trap();
        return 0;
    }
    std::string once = fabgate::encode(decoded->list, decoded->signature, decoded->key_id);
    auto again = fabgate::decode_access_list(once);
    if (!again || fabgate::encode(again->list, again->signature, again->key_id) != once)
        __builtin_trap();
    if (again->list.entries.size() != decoded->list.entries.size()) __builtin_trap();
    return 0;
}

// Access lists come from the broker and decide who gets a machine. Anything must split and
// parse or be refused with a reason; a signature check must answer, never crash, and never pass
// for a key the input cannot hold; a parsed list must round-trip through the wire format.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/acl_wire.hpp"
#include "core/messages.hpp"
#include "fuzz_seed_key.hpp"
#include "sys/acl_signature.hpp"

namespace {
// Nothing the fuzzer makes may verify against a key whose secret nobody holds.
const std::vector<std::string> kUnknown{fabgate::fuzz::kUnknownPublicKeyHex};
// The seeds' throwaway key: its signed seeds, and mutants that keep the signed bytes, reach the
// gate's path past a good signature (the bounded parse with the gate's own limits).
const std::vector<std::string> kSeedKey{fabgate::fuzz::kSeedPublicKeyHex};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view payload(reinterpret_cast<const char*>(data), size);
    // The gate's order: envelope, signature over the raw body, only then the body.
    auto wire = fabgate::split_access_list(payload);
    if (!wire) {
        if (wire.error().what.empty()) __builtin_trap();
    } else if (fabgate::acl_signature::verify(*wire, kUnknown)) {
        __builtin_trap();  // a forgery got through
    } else if (fabgate::acl_signature::verify(*wire, kSeedKey)) {
        auto list = fabgate::parse_access_list_body(wire->body);
        if (!list && list.error().what.empty()) __builtin_trap();
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

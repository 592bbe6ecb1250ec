// Badge UIDs come from readers and from payloads: every accepted one is canonical, and the
// decimal form agrees with arithmetic done independently here.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/uid.hpp"

namespace {

void check_canonical(const fabgate::Uid& uid) {
    const auto& hex = uid.hex();
    if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 2 * fabgate::Uid::kMaxBytes)
        __builtin_trap();
    for (char c : hex)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) __builtin_trap();
    auto again = fabgate::Uid::parse(hex);
    if (!again || *again != uid) __builtin_trap();
    if (uid.reversed().reversed() != uid) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (auto uid = fabgate::Uid::parse(text)) check_canonical(*uid);

    std::size_t byte_count = data[0] % 10;  // 0 and 9 must be refused
    auto decimal = fabgate::Uid::from_decimal(text, byte_count);
    // Independent reference: digits only, no overflow past 64 bits, fits in byte_count bytes.
    bool expect_ok = !text.empty() && byte_count >= 1 && byte_count <= 8;
    unsigned __int128 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            expect_ok = false;
        else
            value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > UINT64_MAX) expect_ok = false;
    }
    if (expect_ok && byte_count < 8 && (value >> (8 * byte_count)) != 0) expect_ok = false;
    if (static_cast<bool>(decimal) != expect_ok) __builtin_trap();
    if (decimal) {
        check_canonical(*decimal);
        if (decimal->bytes().size() != byte_count) __builtin_trap();
        unsigned __int128 back = 0;
        for (auto b : decimal->bytes()) back = back << 8 | b;
        if (back != value) __builtin_trap();
    }
    return 0;
}

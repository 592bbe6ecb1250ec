#include "sys/hex.hpp"

#include <sodium.h>

namespace fabgate {

std::string to_hex(std::span<const std::uint8_t> bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');  // sodium_bin2hex writes a terminating NUL
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::string_view what) {
    if (hex.size() % 2 != 0)
        return fail(std::string(what),
                    "hex has an odd number of digits (" + std::to_string(hex.size()) + ")");
    std::vector<std::uint8_t> out(hex.size() / 2);
    // An empty vector's data() may be null, which libsodium's signature forbids.
    if (hex.empty()) return out;
    std::size_t length = 0;
    const char* end = nullptr;
    int rc = sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &length, &end);
    if (rc != 0 || end != hex.data() + hex.size()) {
        // libsodium stops at the first character that is not hex; inside a byte it points at
        // the byte's first digit, so the culprit is the one after it.
        auto position = static_cast<std::size_t>(end - hex.data()) + (rc != 0 ? 1 : 0);
        return fail(std::string(what), "not hex at position " + std::to_string(position));
    }
    return out;
}

}  // namespace fabgate

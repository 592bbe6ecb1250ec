#include "core/uid.hpp"

#include <cctype>

namespace fabgate {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

// Built with append: GCC 12 at -O3 reports a spurious -Wrestrict on chained operator+.
std::string quoted(std::string_view text, std::string_view then) {
    std::string out;
    out.reserve(text.size() + then.size() + 2);
    out.append("'").append(text).append("' ").append(then);
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<Uid> Uid::parse(std::string_view text) {
    std::string hex;
    for (char c : text) {
        if (c == ':' || c == '-' || c == ' ') continue;
        int v = hex_value(c);
        if (v < 0) return fail("badge uid", quoted(text, "is not hex"));
        hex.push_back(kHexDigits[v]);
    }
    if (hex.empty()) return fail("badge uid", "is empty");
    if (hex.size() % 2 != 0)
        return fail("badge uid", quoted(text, "has an odd number of hex digits"));
    if (hex.size() / 2 > kMaxBytes)
        return fail("badge uid", quoted(text, "is longer than 10 bytes"));
    return Uid(std::move(hex));
}

Result<Uid> Uid::from_bytes(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return fail("badge uid", "is empty");
    if (bytes.size() > kMaxBytes) return fail("badge uid", "is longer than 10 bytes");
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        hex.push_back(kHexDigits[b >> 4]);
        hex.push_back(kHexDigits[b & 0x0F]);
    }
    return Uid(std::move(hex));
}

Result<Uid> Uid::from_decimal(std::string_view digits, std::size_t byte_count) {
    if (digits.empty()) return fail("badge uid", "is empty");
    if (byte_count == 0 || byte_count > 8)
        return fail("badge uid", "decimal uids hold 1 to 8 bytes");
    std::uint64_t value = 0;
    for (char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return fail("badge uid", quoted(digits, "is not a decimal number"));
        std::uint64_t next = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (next / 10 != value) return fail("badge uid", quoted(digits, "is too large"));
        value = next;
    }
    if (byte_count < 8 && value >> (8 * byte_count) != 0)
        return fail("badge uid",
                    quoted(digits, "does not fit in " + std::to_string(byte_count) + " bytes"));
    std::vector<std::uint8_t> bytes(byte_count);
    for (std::size_t i = 0; i < byte_count; ++i)
        bytes[byte_count - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
    return from_bytes(bytes);
}

std::vector<std::uint8_t> Uid::bytes() const {
    std::vector<std::uint8_t> out(hex_.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] =
            static_cast<std::uint8_t>(hex_value(hex_[2 * i]) << 4 | hex_value(hex_[2 * i + 1]));
    return out;
}

Uid Uid::reversed() const {
    std::string hex;
    hex.reserve(hex_.size());
    for (std::size_t i = hex_.size(); i >= 2; i -= 2) hex.append(hex_, i - 2, 2);
    return Uid(std::move(hex));
}

}  // namespace fabgate

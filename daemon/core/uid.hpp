#pragma once
// A badge UID in one canonical form, whatever reader produced it: upper-case hex of the
// UID bytes, most significant (first transmitted) byte first, no separators.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace fabgate {

class Uid {
  public:
    static constexpr std::size_t kMaxBytes = 10;  // ISO 14443A triple-size UID

    Uid() = default;
    // Accepts "04A1B2C3", "04:a1:b2:c3", "04-A1-B2-C3", "04 a1 b2 c3".
    static Result<Uid> parse(std::string_view text);
    static Result<Uid> from_bytes(std::span<const std::uint8_t> bytes);
    // Readers that print the UID as a decimal number (many USB keyboard readers), with the
    // number of bytes the reader encodes (4 for the usual 10-digit output).
    static Result<Uid> from_decimal(std::string_view digits, std::size_t byte_count);

    const std::string& hex() const { return hex_; }
    std::vector<std::uint8_t> bytes() const;
    Uid reversed() const;  // for readers that send the UID least significant byte first
    bool empty() const { return hex_.empty(); }

    friend bool operator==(const Uid&, const Uid&) = default;
    friend auto operator<=>(const Uid&, const Uid&) = default;

  private:
    explicit Uid(std::string hex) : hex_(std::move(hex)) {}
    std::string hex_;
};

struct UidHash {
    std::size_t operator()(const Uid& uid) const noexcept {
        return std::hash<std::string>{}(uid.hex());
    }
};

}  // namespace fabgate

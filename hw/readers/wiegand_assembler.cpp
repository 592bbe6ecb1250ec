#include "readers/wiegand_assembler.hpp"

#include <array>
#include <bit>

namespace fabgate::readers {

std::optional<Uid> WiegandAssembler::bit(int value, MonoMs t) {
    std::optional<Uid> closed;
    if (count_ > 0 && t - last_bit_ > gap_ms_) closed = close();
    if (count_ < kMaxBits) bits_ = bits_ << 1 | (value != 0 ? 1u : 0u);
    if (count_ <= kMaxBits) ++count_;  // kMaxBits + 1 marks "too long" without overflowing
    last_bit_ = t;
    return closed;
}

std::optional<Uid> WiegandAssembler::close_if_idle(MonoMs now) {
    if (count_ == 0 || now - last_bit_ <= gap_ms_) return std::nullopt;
    return close();
}

std::optional<MonoMs> WiegandAssembler::next_deadline() const {
    if (count_ == 0) return std::nullopt;
    return last_bit_ + gap_ms_ + 1;
}

std::optional<Uid> WiegandAssembler::close() {
    int count = count_;
    std::uint64_t bits = bits_;
    reset();
    if (count != 26 && count != 34) {
        ++drops_[Drop::BadLength];
        last_bad_length_ = count;
        return std::nullopt;
    }
    int half = count / 2;  // 13 or 17: parity bit + 12 or 16 data bits
    std::uint64_t first_half = bits >> half;
    std::uint64_t second_half = bits & ((std::uint64_t{1} << half) - 1);
    bool first_even = std::popcount(first_half) % 2 == 0;
    bool second_odd = std::popcount(second_half) % 2 == 1;
    if (!first_even || !second_odd) {
        ++drops_[Drop::Parity];
        return std::nullopt;
    }
    std::uint64_t data = (bits >> 1) & ((std::uint64_t{1} << (count - 2)) - 1);
    std::size_t byte_count = static_cast<std::size_t>(count - 2) / 8;  // 3 or 4
    std::array<std::uint8_t, 4> bytes{};
    for (std::size_t i = 0; i < byte_count; ++i)
        bytes[i] = static_cast<std::uint8_t>(data >> (8 * (byte_count - 1 - i)));
    auto uid = Uid::from_bytes(std::span<const std::uint8_t>(bytes.data(), byte_count));
    if (!uid) return std::nullopt;
    return *uid;
}

}  // namespace fabgate::readers

#include "readers/rdm6300_decoder.hpp"

namespace fabgate::readers {
namespace {

int hex_value(std::uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

std::vector<Uid> Rdm6300Decoder::feed(std::span<const std::uint8_t> chunk) {
    std::vector<Uid> out;
    for (std::uint8_t byte : chunk) consume(byte, out);
    return out;
}

void Rdm6300Decoder::consume(std::uint8_t byte, std::vector<Uid>& out) {
    if (!in_frame_) {
        if (byte == kStart) {
            in_frame_ = true;
            length_ = 0;
        } else {
            ++drops_[Drop::NoiseBytes];
        }
        return;
    }
    // A start byte inside a frame means the previous one was cut: the new one may be whole.
    if (byte == kStart) {
        ++drops_[length_ == kFrameChars ? Drop::MissingEnd : Drop::Truncated];
        length_ = 0;
        return;
    }
    if (length_ < kFrameChars) {
        if (hex_value(byte) < 0) {
            ++drops_[Drop::BadChar];
            in_frame_ = false;
            return;
        }
        chars_[length_++] = byte;
        return;
    }
    in_frame_ = false;
    if (byte != kEnd) {
        ++drops_[Drop::MissingEnd];
        return;
    }
    finish_frame(out);
}

void Rdm6300Decoder::finish_frame(std::vector<Uid>& out) {
    std::array<std::uint8_t, 6> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] =
            static_cast<std::uint8_t>(hex_value(chars_[2 * i]) << 4 | hex_value(chars_[2 * i + 1]));
    std::uint8_t checksum = 0;
    for (std::size_t i = 0; i < 5; ++i) checksum ^= bytes[i];
    if (checksum != bytes[5]) {
        ++drops_[Drop::BadChecksum];
        return;
    }
    auto uid = Uid::from_bytes(std::span<const std::uint8_t>(bytes.data(), 5));
    if (uid) out.push_back(*uid);
}

}  // namespace fabgate::readers

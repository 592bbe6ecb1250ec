#pragma once
// RDM6300-style 125 kHz readers send, per read, 14 bytes on a 9600 8N1 line:
//   0x02, 10 ASCII hex (1 version byte + 4-byte card id), 2 ASCII hex (XOR of the 5 bytes), 0x03
// and repeat the frame while the card stays in the field. The serial line can start mid-frame
// and pick up noise, so the decoder takes any chunking and resynchronises on the next 0x02.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/uid.hpp"
#include "readers/drop_counts.hpp"

namespace fabgate::readers {

class Rdm6300Decoder {
  public:
    static constexpr std::uint8_t kStart = 0x02;
    static constexpr std::uint8_t kEnd = 0x03;
    static constexpr std::size_t kFrameChars = 12;  // between start and end

    // Why a frame, or a byte outside any frame, was dropped.
    enum class Drop {
        Truncated,   // a new 0x02 came before the frame ended
        BadChar,     // a non-hex character inside a frame
        MissingEnd,  // 12 characters not followed by 0x03
        BadChecksum,
        NoiseBytes,  // bytes outside any frame
    };
    static constexpr std::array<DropReason, 5> kDropReasons{
        "rdm6300.truncated", "rdm6300.bad_char", "rdm6300.missing_end", "rdm6300.bad_checksum",
        DropReason{"rdm6300.noise_bytes", DropReason::Unit::StrayByte}};
    using Drops = DropTally<Drop, kDropReasons>;

    // UIDs (the 5 data bytes, canonical order) of the frames completed by this chunk.
    std::vector<Uid> feed(std::span<const std::uint8_t> chunk);
    // Forget a partial frame (the line was reopened).
    void reset() {
        in_frame_ = false;
        length_ = 0;
    }

    const Drops& drops() const { return drops_; }

  private:
    void consume(std::uint8_t byte, std::vector<Uid>& out);
    void finish_frame(std::vector<Uid>& out);

    bool in_frame_ = false;
    std::size_t length_ = 0;
    std::array<std::uint8_t, kFrameChars> chars_{};
    Drops drops_;
};

}  // namespace fabgate::readers

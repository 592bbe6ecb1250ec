#pragma once
// Wiegand readers pulse D0 for a 0 bit and D1 for a 1 bit, ~1-2 ms apart; a frame ends when
// the pulses stop. The GPIO edge adapter feeds each pulse here with its timestamp and calls
// close_if_idle() when next_deadline() passes (from a loop timer).
//
//   26 bit: E | 8-bit facility | 16-bit card | O   -> 3-byte UID (facility, card hi, card lo)
//   34 bit: E | 32-bit card                    | O   -> 4-byte UID
// E makes the first half (E + first 12 or 16 data bits) even, O the second half odd.
#include <array>
#include <cstdint>
#include <optional>

#include "core/clock.hpp"
#include "core/uid.hpp"
#include "readers/drop_counts.hpp"

namespace fabgate::readers {

class WiegandAssembler {
  public:
    static constexpr MonoMs kDefaultGapMs = 25;
    static constexpr int kMaxBits = 64;

    // Why a frame was dropped.
    enum class Drop {
        BadLength,  // neither 26 nor 34 bits (noise, unsupported format)
        Parity,
    };
    static constexpr std::array<DropReason, 2> kDropReasons{"wiegand.bad_length", "wiegand.parity"};
    using Drops = DropTally<Drop, kDropReasons>;

    explicit WiegandAssembler(MonoMs gap_ms = kDefaultGapMs) : gap_ms_(gap_ms) {}

    // One pulse: `value` 0 from D0, 1 (any non-zero) from D1, at monotonic time `t`.
    // If the previous frame had already gone idle by `t`, it is closed first and its UID is
    // returned (an adapter that was late to call close_if_idle loses nothing).
    std::optional<Uid> bit(int value, MonoMs t);
    // Closes the frame once no bit came for more than the gap. A UID if the frame was valid;
    // invalid frames are counted in drops().
    std::optional<Uid> close_if_idle(MonoMs now);
    // When close_if_idle() should next be called; nullopt while no frame is open.
    std::optional<MonoMs> next_deadline() const;
    // Discard a partial frame (the lines were re-requested).
    void reset() {
        count_ = 0;
        bits_ = 0;
    }

    int pending_bits() const { return count_; }
    const Drops& drops() const { return drops_; }
    // Bits in the last frame dropped for its length.
    int last_bad_length() const { return last_bad_length_; }

  private:
    std::optional<Uid> close();

    MonoMs gap_ms_;
    int count_ = 0;           // bits received, may exceed kMaxBits (then only counted)
    std::uint64_t bits_ = 0;  // first bit received is the most significant
    MonoMs last_bit_ = 0;
    Drops drops_;
    int last_bad_length_ = 0;
};

}  // namespace fabgate::readers

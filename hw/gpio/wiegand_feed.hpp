#pragma once
// The bridge from the D0/D1 edge events to the Wiegand bit assembler (hw/readers): the only
// place that knows the assembler's API. Both lines are drained together and their pulses
// merged by kernel timestamp, because the loop may see D1's fd before D0's even when D0's
// pulse came first, and bit order is the UID.
#include <vector>

#include "core/clock.hpp"
#include "core/ports.hpp"
#include "gpio/gpio_lines.hpp"
#include "readers/repeat_suppressor.hpp"
#include "readers/wiegand_assembler.hpp"

namespace fabgate::gpio {

struct WiegandPulse {
    int bit = 0;
    MonoMs t = 0;
    std::int64_t ns = 0;  // the kernel's timestamp: orders two pulses within one millisecond
};

// D0 pulses are 0 bits, D1 pulses 1 bits; ordered by time, D0 first on a tie.
std::vector<WiegandPulse> merge_pulses(const std::vector<LineEvent>& d0,
                                       const std::vector<LineEvent>& d1);

class WiegandFeed {
  public:
    // How long a pulse waits before it joins the frame, so that one read later from the other
    // line (the loop reads D0 and D1 one after the other; the kernel's threaded handler queues
    // each line on its own) still lands in time order. Two bits swapped across the lines keep
    // both parities right: without this wait they decode to another card's number.
    static constexpr MonoMs kSettleMs = 10;

    WiegandFeed(HardwareEvents& events, MonoMs repeat_suppress_ms)
        : events_(events), repeats_(repeat_suppress_ms) {}

    // Takes pulses in any order, across any number of calls; service() assembles them.
    void pulses(const std::vector<WiegandPulse>& pulses);
    // Adds the pulses older than the settle time to the frame, in time order, and ends a frame
    // once the pulses have stopped for the gap.
    void service(MonoMs now);
    std::optional<MonoMs> next_deadline() const;
    // The lines were lost or re-requested: a partial frame is noise.
    void reset() {
        pending_.clear();
        assembler_.reset();
    }
    const readers::WiegandAssembler::Drops& drops() const { return assembler_.drops(); }
    int last_bad_length() const { return assembler_.last_bad_length(); }

  private:
    void frame(const std::optional<Uid>& uid, MonoMs t);

    HardwareEvents& events_;
    std::vector<WiegandPulse> pending_;  // sorted by time, not yet in the assembler
    readers::WiegandAssembler assembler_;
    // Some readers send the frame again while the card stays in the field: one presentation.
    readers::RepeatSuppressor repeats_;
};

}  // namespace fabgate::gpio

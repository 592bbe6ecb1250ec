#pragma once
// The bridge from the D0/D1 edge events to the Wiegand bit assembler (hw/readers): the only
// place that knows the assembler's API. Both lines are drained together and their pulses
// merged by kernel timestamp, because the loop may see D1's fd before D0's even when D0's
// pulse came first, and bit order is the UID.
#include <vector>

#include "core/clock.hpp"
#include "core/ports.hpp"
#include "gpio/gpio_lines.hpp"
#include "readers/drop_counts.hpp"
#include "readers/repeat_suppressor.hpp"
#include "readers/wiegand_assembler.hpp"

namespace fabgate::gpio {

struct WiegandPulse {
    int bit = 0;
    MonoMs t = 0;
};

// D0 pulses are 0 bits, D1 pulses 1 bits; ordered by time, D0 first on a tie.
std::vector<WiegandPulse> merge_pulses(const std::vector<LineEvent>& d0,
                                       const std::vector<LineEvent>& d1);

class WiegandFeed {
  public:
    WiegandFeed(HardwareEvents& events, MonoMs repeat_suppress_ms)
        : events_(events), repeats_(repeat_suppress_ms) {}

    void pulses(const std::vector<WiegandPulse>& pulses);
    // Ends a frame once the pulses have stopped for the gap.
    void service(MonoMs now);
    std::optional<MonoMs> next_deadline() const { return assembler_.next_deadline(); }
    // The lines were lost or re-requested: a partial frame is noise.
    void reset() { assembler_.reset(); }
    void add_drop_counts(readers::DropCounts& counts) const { assembler_.add_drop_counts(counts); }
    const readers::WiegandAssembler::Drops& drops() const { return assembler_.drops(); }

  private:
    void frame(const std::optional<Uid>& uid, MonoMs t);

    HardwareEvents& events_;
    readers::WiegandAssembler assembler_;
    // Some readers send the frame again while the card stays in the field: one presentation.
    readers::RepeatSuppressor repeats_;
};

}  // namespace fabgate::gpio

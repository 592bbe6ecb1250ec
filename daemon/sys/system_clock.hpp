#pragma once
#include "core/clock.hpp"

namespace fabgate {

// CLOCK_MONOTONIC for durations, CLOCK_REALTIME for timestamps, and the kernel's NTP status
// (adjtimex) for whether the wall clock can be trusted.
class SystemClock final : public Clock {
  public:
    MonoMs monotonic() const override;
    WallTime wall() const override;
};

}  // namespace fabgate

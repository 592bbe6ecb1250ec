#pragma once
// Time is injected: the daemon reads the kernel's clocks, tests move a fake one.
#include <cstdint>

namespace fabgate {

using MonoMs = std::int64_t;  // monotonic milliseconds: durations and deadlines
using UnixMs = std::int64_t;  // wall-clock milliseconds since the epoch, UTC

struct WallTime {
    UnixMs unix_ms = 0;
    // A Raspberry Pi has no RTC: before NTP its clock can be years off. Records carry this
    // flag so billing can tell a trusted timestamp from a guess.
    bool synchronised = false;
};

class Clock {
  public:
    virtual ~Clock() = default;
    virtual MonoMs monotonic() const = 0;
    virtual WallTime wall() const = 0;
};

class FakeClock final : public Clock {
  public:
    MonoMs monotonic() const override { return mono_; }
    WallTime wall() const override { return {wall_base_ + mono_, synchronised_}; }
    void advance(MonoMs ms) { mono_ += ms; }
    void set_wall_base(UnixMs base, bool synchronised = true) {
        wall_base_ = base;
        synchronised_ = synchronised;
    }

  private:
    MonoMs mono_ = 1'000'000;
    UnixMs wall_base_ = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
    bool synchronised_ = true;
};

}  // namespace fabgate

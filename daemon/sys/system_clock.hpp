#pragma once
#include <string>

#include "core/clock.hpp"

namespace fabgate {

// CLOCK_MONOTONIC for durations, CLOCK_REALTIME for timestamps, and whether the wall clock can
// be trusted: the kernel's NTP status (adjtimex), or, where a seccomp filter forbids adjtimex
// (systemd's ProtectClock= and @privileged deny it, read-only calls included), the flag file
// systemd-timesyncd keeps.
class SystemClock final : public Clock {
  public:
    SystemClock() = default;
    // For tests: where to look for timesyncd's flag.
    explicit SystemClock(std::string timesync_flag) : timesync_flag_(std::move(timesync_flag)) {}

    MonoMs monotonic() const override;
    WallTime wall() const override;

  private:
    std::string timesync_flag_ = "/run/systemd/timesync/synchronized";
};

}  // namespace fabgate

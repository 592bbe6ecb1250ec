#pragma once
// Software debounce for a switch or sensor input, on kernel edge timestamps. A level counts once
// it has held for the window: bounces inside the window are swallowed, and a bounce that ends
// back at the settled level reports nothing. Pure: time is passed in.
#include <optional>

#include "core/clock.hpp"

namespace fabgate::gpio {

class Debouncer {
  public:
    explicit Debouncer(MonoMs window_ms) : window_ms_(window_ms < 0 ? 0 : window_ms) {}

    // The level read when the line was (re)requested: settled at once, nothing pending.
    void reset(bool level);
    // An edge: the line's logical level just after it, at kernel time `t`.
    void edge(bool level, MonoMs t);
    // Called at or after next_deadline() with the level read from the line now. Returns the new
    // settled level when it changed. A read that disagrees with the last edge means edges were
    // lost (kernel queue overflow): the read level then restarts the window.
    std::optional<bool> settle(MonoMs now, bool level_now);
    // When settle() should be called; nullopt while nothing is pending.
    std::optional<MonoMs> next_deadline() const;

    bool settled() const { return settled_; }
    MonoMs window_ms() const { return window_ms_; }

  private:
    MonoMs window_ms_;
    bool settled_ = false;
    bool pending_level_ = false;
    bool pending_ = false;
    MonoMs last_edge_ = 0;
};

}  // namespace fabgate::gpio

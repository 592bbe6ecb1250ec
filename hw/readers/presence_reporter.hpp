#pragma once
// Feeds a reader's sightings through repeat suppression to HardwareEvents, and reports the card
// removed when its frames stop for longer than the window (a loop timer watches the deadline).
#include <string>

#include "core/clock.hpp"
#include "core/ports.hpp"
#include "loop/event_loop.hpp"
#include "readers/repeat_suppressor.hpp"

namespace fabgate::readers {

class PresenceReporter {
  public:
    PresenceReporter(EventLoop& loop, HardwareEvents& events, const Clock& clock, MonoMs window_ms);
    ~PresenceReporter();
    PresenceReporter(const PresenceReporter&) = delete;
    PresenceReporter& operator=(const PresenceReporter&) = delete;

    void sighting(const Uid& uid);
    // Called by the expiry timer; public so a caller can check on demand.
    void check_expiry();

  private:
    void arm();

    EventLoop& loop_;
    HardwareEvents& events_;
    const Clock& clock_;
    RepeatSuppressor suppressor_;
    EventLoop::TimerId timer_ = 0;
};

}  // namespace fabgate::readers

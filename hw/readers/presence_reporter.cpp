#include "readers/presence_reporter.hpp"

#include "sys/log.hpp"
#include "sys/uid_tag.hpp"

namespace fabgate::readers {

PresenceReporter::PresenceReporter(EventLoop& loop, HardwareEvents& events, const Clock& clock,
                                   MonoMs window_ms)
    : loop_(loop), events_(events), clock_(clock), suppressor_(window_ms) {}

PresenceReporter::~PresenceReporter() {
    if (timer_ != 0) loop_.cancel_timer(timer_);
}

void PresenceReporter::sighting(const Uid& uid) {
    auto outcome = suppressor_.seen(uid, clock_.monotonic());
    if (outcome.previous_removed) events_.badge_removed();
    if (outcome.presented) {
        // The gate logs every badge at info already; this line, for debugging a reader, names
        // the badge by its tag too: a gate's journal never holds a UID (docs/privacy.md).
        log::debug("reader", "badge " + uid_tag(uid.hex()));
        events_.badge_presented(uid);
    }
    arm();
}

void PresenceReporter::check_expiry() {
    if (suppressor_.expire(clock_.monotonic())) {
        events_.badge_removed();
        return;
    }
    arm();
}

void PresenceReporter::arm() {
    auto deadline = suppressor_.next_deadline();
    if (!deadline) return;
    auto delay = std::chrono::milliseconds(*deadline - clock_.monotonic());
    if (delay.count() < 1) delay = std::chrono::milliseconds(1);
    if (timer_ == 0) {
        timer_ = loop_.add_timer(delay, [this] { check_expiry(); });
        return;
    }
    loop_.arm(timer_, delay);
}

}  // namespace fabgate::readers

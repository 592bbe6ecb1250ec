#include "gpio/deferred_events.hpp"

#include <string>

namespace fabgate::gpio {

DeferredEvents::DeferredEvents(EventLoop& loop, HardwareEvents& target)
    : loop_(loop), target_(target) {
    timer_ = loop_.add_timer(std::chrono::milliseconds(0), [this] { open(); });
    if (timer_ == 0) open_ = true;  // no timerfd: better early than never
}

DeferredEvents::~DeferredEvents() {
    if (timer_) loop_.cancel_timer(timer_);
}

void DeferredEvents::open() {
    if (timer_) {
        loop_.cancel_timer(timer_);
        timer_ = 0;
    }
    open_ = true;
    auto held = std::move(held_);
    held_.clear();
    for (auto& event : held) event(target_);
}

void DeferredEvents::deliver(std::function<void(HardwareEvents&)> event) {
    if (open_)
        event(target_);
    else
        held_.push_back(std::move(event));
}

void DeferredEvents::badge_presented(const Uid& uid) {
    deliver([uid](HardwareEvents& e) { e.badge_presented(uid); });
}

void DeferredEvents::badge_removed() {
    deliver([](HardwareEvents& e) { e.badge_removed(); });
}

void DeferredEvents::input_changed(InputKind kind, std::string_view name, bool active) {
    deliver([kind, n = std::string(name), active](HardwareEvents& e) {
        e.input_changed(kind, n, active);
    });
}

void DeferredEvents::device_fault(std::string_view device, bool faulted, std::string_view reason) {
    deliver([d = std::string(device), faulted, r = std::string(reason)](HardwareEvents& e) {
        e.device_fault(d, faulted, r);
    });
}

}  // namespace fabgate::gpio

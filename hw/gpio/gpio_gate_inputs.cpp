// GpioGate's inputs: edges read from the lines, debounced and reported, and the two Wiegand
// data lines fed into a frame.
#include <sys/epoll.h>

#include "gpio/gpio_gate.hpp"
#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";
// Kernel edge timestamps are CLOCK_MONOTONIC like the gate's clock; one further off than this
// comes from another clock (an old kernel's realtime stamps) and is replaced by "now".
constexpr MonoMs kPlausibleEventAgeMs = 10'000;

}  // namespace

void GpioGate::on_input(InputSlot& slot, std::uint32_t events) {
    auto read = slot.port->read_events();
    if (!read) return lost(slot.role, read.error().message());
    if (read->empty() && (events & (EPOLLERR | EPOLLHUP)))
        return lost(slot.role, "the GPIO chip went away");
    for (const auto& event : *read)
        slot.debouncer.edge(event.rising, event_time(event.timestamp_ns));
    if (slot.debouncer.window_ms() == 0 && !read->empty()) settle(slot, clock_.monotonic());
    reschedule();
}

void GpioGate::on_wiegand(InputSlot& slot, std::uint32_t events) {
    auto drained = drain_wiegand();
    if (!drained) return;
    if (*drained == 0 && (events & (EPOLLERR | EPOLLHUP)))
        return lost(slot.role, "the GPIO chip went away");
    reschedule();
}

std::optional<std::size_t> GpioGate::drain_wiegand() {
    std::vector<LineEvent> lines[2];
    for (auto& s : inputs_) {
        if (s.wiegand_bit < 0 || !s.port) continue;
        auto read = s.port->read_events();
        if (!read) {
            lost(s.role, read.error().message());
            return std::nullopt;
        }
        lines[s.wiegand_bit] = std::move(*read);
    }
    auto pulses = merge_pulses(lines[0], lines[1]);
    for (auto& pulse : pulses) pulse.t = event_time(pulse.t * 1'000'000);
    wiegand_->pulses(pulses);
    log_wiegand_drops();
    return pulses.size();
}

void GpioGate::log_wiegand_drops() {
    const auto& drops = wiegand_->drops();
    if (drops.bad_length != logged_wiegand_drops_.bad_length)
        log::debug("reader", "dropped a Wiegand frame of " + std::to_string(drops.last_bad_length) +
                                 " bits (26 or 34 expected): bits lost, or noise on D0/D1");
    if (drops.parity != logged_wiegand_drops_.parity)
        log::debug("reader", "dropped a Wiegand frame with a parity error");
    logged_wiegand_drops_ = drops;
}

void GpioGate::settle(InputSlot& slot, MonoMs now) {
    auto level = slot.port->get();
    if (!level) return lost(slot.role, level.error().message());
    if (auto settled = slot.debouncer.settle(now, *level)) report(slot, *settled);
}

void GpioGate::report(InputSlot& slot, bool level) {
    slot.reported = level;
    log::debug(kArea, slot.role + (level ? " active" : " inactive"));
    events_.input_changed(slot.kind, slot.name, level);
}

MonoMs GpioGate::event_time(std::int64_t timestamp_ns) const {
    MonoMs now = clock_.monotonic();
    MonoMs t = timestamp_ns / 1'000'000;
    if (t > now || now - t > kPlausibleEventAgeMs) return now;
    return t;
}

}  // namespace fabgate::gpio

#include "gpio/wiegand_lines.hpp"

#include <sys/epoll.h>

#include <utility>
#include <vector>

#include "sys/log.hpp"

namespace fabgate::gpio {

WiegandLines::WiegandLines(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines,
                           HardwareEvents& events, const Clock& clock, const InputLine& d0,
                           const InputLine& d1, MonoMs repeat_suppress_ms, LostLine lost,
                           std::function<void()> changed)
    : InputGroup(loop, backend, lines, clock, Edge::Falling, std::move(lost), std::move(changed)),
      data_{WatchedLine{"wiegand_d0", d0, nullptr}, WatchedLine{"wiegand_d1", d1, nullptr}},
      feed_(events, repeat_suppress_ms) {}

WiegandLines::~WiegandLines() {
    release_all();
}

void WiegandLines::acquired(std::size_t index) {
    feed_.reset();
    lines_.clear_fault(data_[index].role);
}

void WiegandLines::ready(std::size_t index, std::uint32_t events) {
    auto drained = drain();
    if (!drained) return;
    if (*drained == 0 && (events & (EPOLLERR | EPOLLHUP)))
        return lost_(data_[index].role, "the GPIO chip went away");
    changed_();
}

std::optional<std::size_t> WiegandLines::drain() {
    std::vector<LineEvent> events[2];
    for (std::size_t bit = 0; bit < data_.size(); ++bit) {
        auto& line = data_[bit];
        if (!line.port) continue;
        auto read = line.port->read_events();
        if (!read) {
            lost_(line.role, read.error().message());
            return std::nullopt;
        }
        events[bit] = std::move(*read);
    }
    auto pulses = merge_pulses(events[0], events[1]);
    for (auto& pulse : pulses) pulse.t = edge_time(clock_, pulse.t * 1'000'000);
    feed_.pulses(pulses);
    log_drops();
    return pulses.size();
}

void WiegandLines::service(MonoMs now) {
    auto deadline = feed_.next_deadline();
    // Edges already queued in the kernel may belong to this frame: a loop that reaches the
    // timer before the D0/D1 fds (a loaded Pi, or both ready in one round) must not split it.
    if (deadline && *deadline <= now && drain()) {
        deadline = feed_.next_deadline();
        if (deadline && *deadline <= now) {
            feed_.service(now);
            log_drops();
        }
    }
}

std::optional<MonoMs> WiegandLines::next_deadline() const {
    return feed_.next_deadline();
}

void WiegandLines::log_drops() {
    using Drop = readers::WiegandAssembler::Drop;
    const auto& drops = feed_.drops();
    if (drops[Drop::BadLength] != logged_drops_[Drop::BadLength])
        log::debug("reader", "dropped a Wiegand frame of " +
                                 std::to_string(feed_.last_bad_length()) +
                                 " bits (26 or 34 expected): bits lost, or noise on D0/D1");
    if (drops[Drop::Parity] != logged_drops_[Drop::Parity])
        log::debug("reader", "dropped a Wiegand frame with a parity error");
    logged_drops_ = drops;
}

void WiegandLines::released_line() {
    feed_.reset();
}

bool WiegandLines::missing() const {
    return lines_.faulted("wiegand_d0") || lines_.faulted("wiegand_d1");
}

}  // namespace fabgate::gpio

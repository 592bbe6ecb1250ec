#include "gpio/input_bank.hpp"

#include <sys/epoll.h>

#include <utility>

#include "gpio/earliest.hpp"
#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

}  // namespace

InputBank::InputBank(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines,
                     HardwareEvents& events, const Clock& clock, LostLine lost,
                     std::function<void()> changed)
    : InputGroup(loop, backend, lines, clock, Edge::Both, std::move(lost), std::move(changed)),
      events_(events) {}

InputBank::~InputBank() {
    release_all();
}

void InputBank::add(std::string role, InputKind kind, std::string name, const InputLine& input) {
    Slot slot;
    slot.role = std::move(role);
    slot.kind = kind;
    slot.name = std::move(name);
    slot.input = input;
    slot.debouncer = Debouncer(input.debounce_ms);
    slots_.push_back(std::move(slot));
}

void InputBank::acquired(std::size_t index) {
    auto& slot = slots_[index];
    auto level = slot.port->get();
    if (!level) {
        release_watched(loop_, slot.port);
        lines_.mark_fault(slot.role, level.error().message());
        return;
    }
    slot.debouncer.reset(*level);
    // Reported before the fault clears, so the gate never sees a lid "closed" in between.
    if (slot.reported != *level) report(slot, *level);
    lines_.clear_fault(slot.role);
}

void InputBank::ready(std::size_t index, std::uint32_t events) {
    auto& slot = slots_[index];
    auto read = slot.port->read_events();
    if (!read) return lost_(slot.role, read.error().message());
    if (read->empty() && (events & (EPOLLERR | EPOLLHUP)))
        return lost_(slot.role, "the GPIO chip went away");
    for (const auto& event : *read)
        slot.debouncer.edge(event.rising, edge_time(clock_, event.timestamp_ns));
    if (slot.debouncer.window_ms() == 0 && !read->empty()) settle(slot, clock_.monotonic());
    changed_();
}

void InputBank::service(MonoMs now) {
    for (auto& slot : slots_) {
        if (!slot.port) continue;
        auto deadline = slot.debouncer.next_deadline();
        if (deadline && *deadline <= now) settle(slot, now);
    }
}

std::optional<MonoMs> InputBank::next_deadline() const {
    std::optional<MonoMs> next;
    for (const auto& slot : slots_)
        if (slot.port) next = earliest(next, slot.debouncer.next_deadline());
    return next;
}

void InputBank::settle(Slot& slot, MonoMs now) {
    auto level = slot.port->get();
    if (!level) return lost_(slot.role, level.error().message());
    if (auto settled = slot.debouncer.settle(now, *level)) report(slot, *settled);
}

void InputBank::report(Slot& slot, bool level) {
    slot.reported = level;
    log::debug(kArea, slot.role + (level ? " active" : " inactive"));
    events_.input_changed(slot.kind, slot.name, level);
}

std::string InputBank::describe() const {
    std::string text;
    for (const auto& slot : slots_) {
        text += " " + slot.role + "=" +
                (!slot.reported   ? "?"
                 : *slot.reported ? "active"
                                  : "inactive");
        if (!slot.port) text += "(missing)";
    }
    return text;
}

}  // namespace fabgate::gpio

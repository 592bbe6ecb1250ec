#include "gpio/output_bank.hpp"

#include <utility>

#include "gpio/earliest.hpp"
#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

}  // namespace

OutputBank::OutputBank(GpioBackend& backend, LineSupervisor& lines, LostLine lost,
                       MonoMs heartbeat_period_ms)
    : backend_(backend),
      lines_(lines),
      lost_(std::move(lost)),
      heartbeat_period_ms_(heartbeat_period_ms) {}

void OutputBank::add(std::string role, const std::optional<GpioLine>& line, bool indicator) {
    if (!line) return;
    Slot slot;
    slot.role = std::move(role);
    slot.line = *line;
    slot.indicator = indicator;
    slots_.push_back(std::move(slot));
}

OutputBank::Slot* OutputBank::find(std::string_view role) {
    for (auto& slot : slots_)
        if (slot.role == role) return &slot;
    return nullptr;
}

void OutputBank::acquire_missing() {
    for (auto& slot : slots_)
        if (!slot.port) acquire(slot);
}

void OutputBank::acquire(Slot& slot) {
    auto port = backend_.request_output(slot.line, slot.level, slot.role);
    if (!port) {
        lines_.mark_fault(slot.role, port.error().message());
        return;
    }
    slot.port = std::move(*port);
    lines_.clear_fault(slot.role);
}

void OutputBank::start(MonoMs now) {
    play(steady_, now);
    if (find("heartbeat")) next_beat_ = now + heartbeat_period_ms_;
}

void OutputBank::write(Slot& slot, bool level) {
    slot.level = level;
    if (!slot.port) return;
    if (auto s = slot.port->set(level); !s) lost_(slot.role, s.error().message());
}

void OutputBank::set_relay(bool on) {
    auto* relay = find("relay");
    if (!relay) return;
    if (on && lines_.safety_fault()) {
        log::warning(kArea, "relay stays off: GPIO line(s) missing");
        return;
    }
    write(*relay, on);
}

void OutputBank::set_after_run(bool on) {
    if (auto* slot = find("after_run")) write(*slot, on);
}

void OutputBank::indicate(Indication indication, MonoMs now) {
    if (is_transient(indication)) {
        play(indication, now);
        transient_until_ = now + patterns_for(indication).transient_ms;
    } else {
        steady_ = indication;
        // A steady indication arriving during Granted/Denied waits for it to finish: the core says
        // Granted and InUse in one breath, and the member should still hear the beep.
        if (!transient_until_) play(indication, now);
    }
}

void OutputBank::play(Indication indication, MonoMs now) {
    auto patterns = patterns_for(indication);
    for (auto& slot : slots_) {
        if (!slot.indicator) continue;
        const Pattern& pattern = slot.role == "led_ready"    ? patterns.led_ready
                                 : slot.role == "led_in_use" ? patterns.led_in_use
                                 : slot.role == "led_denied" ? patterns.led_denied
                                                             : patterns.buzzer;
        slot.player.start(pattern, now);
        if (slot.player.level() != slot.level) write(slot, slot.player.level());
    }
}

void OutputBank::service(MonoMs now) {
    if (transient_until_ && *transient_until_ <= now) {
        transient_until_.reset();
        play(steady_, now);
    }
    for (auto& slot : slots_)
        if (slot.indicator && slot.player.advance(now)) write(slot, slot.player.level());
    if (next_beat_ && *next_beat_ <= now) beat(now);
}

void OutputBank::beat(MonoMs now) {
    if (auto* heartbeat = find("heartbeat")) write(*heartbeat, !heartbeat->level);
    // From now, not from the missed deadline: a loop that stalled does not catch up with a
    // burst of edges that would look like a healthy loop.
    next_beat_ = now + heartbeat_period_ms_;
}

std::optional<MonoMs> OutputBank::next_deadline() const {
    auto next = earliest(transient_until_, next_beat_);
    for (const auto& slot : slots_)
        if (slot.indicator && slot.port) next = earliest(next, slot.player.next_change());
    return next;
}

void OutputBank::relay_off_after_loss() {
    auto* relay = find("relay");
    if (!relay || !relay->level) return;
    log::warning(kArea, "relay switched off: a GPIO line was lost");
    write(*relay, false);
}

void OutputBank::check_held() {
    for (auto& slot : slots_) {
        if (!slot.port) continue;
        if (auto s = slot.port->set(slot.level); !s) {
            slot.port.reset();
            lines_.mark_fault(slot.role, s.error().message());
        }
    }
}

void OutputBank::force_relay_off() {
    if (auto* relay = find("relay")) {
        relay->level = false;
        if (relay->port) (void)relay->port->set(false);
    }
}

void OutputBank::release(const std::string& role) {
    for (auto& slot : slots_)
        if (slot.role == role) slot.port.reset();
}

void OutputBank::all_off_and_release() {
    if (auto* relay = find("relay"); relay && relay->port) (void)relay->port->set(false);
    for (auto& slot : slots_)
        if (slot.port) (void)slot.port->set(false);
    for (auto& slot : slots_) slot.port.reset();
}

std::optional<bool> OutputBank::level(std::string_view role) const {
    for (const auto& slot : slots_)
        if (slot.role == role) return slot.level;
    return std::nullopt;
}

std::string OutputBank::describe() const {
    std::string text;
    for (const auto& slot : slots_) {
        text += (text.empty() ? "" : " ") + slot.role + "=" + (slot.level ? "on" : "off");
        if (!slot.port) text += "(missing)";
    }
    return text;
}

}  // namespace fabgate::gpio

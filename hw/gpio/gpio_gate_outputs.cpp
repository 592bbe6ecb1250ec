// GpioGate's outputs: relay, after-run, the heartbeat line, and LED and buzzer patterns.
#include "gpio/gpio_gate.hpp"
#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

}  // namespace

void GpioGate::write(OutputSlot& slot, bool level) {
    slot.level = level;
    if (!slot.port) return;
    if (auto s = slot.port->set(level); !s) lost(slot.role, s.error().message());
}

void GpioGate::set_relay(bool on) {
    auto* relay = output("relay");
    if (!relay) return;
    if (on && safety_fault()) {
        log::warning(kArea, "relay stays off: GPIO line(s) missing");
        return;
    }
    write(*relay, on);
}

void GpioGate::set_after_run(bool on) {
    if (auto* slot = output("after_run")) write(*slot, on);
}

void GpioGate::indicate(Indication indication) {
    MonoMs now = clock_.monotonic();
    if (is_transient(indication)) {
        play(indication, now);
        transient_until_ = now + patterns_for(indication).transient_ms;
    } else {
        steady_ = indication;
        // A steady indication arriving during Granted/Denied waits for it to finish: the core says
        // Granted and InUse in one breath, and the member should still hear the beep.
        if (!transient_until_) play(indication, now);
    }
    reschedule();
}

void GpioGate::play(Indication indication, MonoMs now) {
    auto patterns = patterns_for(indication);
    for (auto& slot : outputs_) {
        if (!slot.indicator) continue;
        const Pattern& pattern = slot.role == "led_ready"    ? patterns.led_ready
                                 : slot.role == "led_in_use" ? patterns.led_in_use
                                 : slot.role == "led_denied" ? patterns.led_denied
                                                             : patterns.buzzer;
        slot.player.start(pattern, now);
        if (slot.player.level() != slot.level) write(slot, slot.player.level());
    }
}

void GpioGate::beat(MonoMs now) {
    if (auto* heartbeat = output("heartbeat")) write(*heartbeat, !heartbeat->level);
    // From now, not from the missed deadline: a loop that stalled does not catch up with a
    // burst of edges that would look like a healthy loop.
    next_beat_ = now + config_.heartbeat_period_ms;
}

}  // namespace fabgate::gpio

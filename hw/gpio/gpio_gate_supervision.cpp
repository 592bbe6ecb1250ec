// GpioGate's line supervision: requesting lines, reporting a missing one as a device fault
// (relay off unless it is only an indicator), and re-requesting it until it is back.
#include <sys/epoll.h>

#include "gpio/gpio_gate.hpp"
#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

bool is_indicator_role(std::string_view role) {
    return role == "led_ready" || role == "led_in_use" || role == "led_denied" || role == "buzzer";
}

// An LED or buzzer only tells the member what is happening: losing one degrades the gate
// ("indicator:"), it never switches a running machine off the way a lost relay, input or reader
// line ("gpio:") does.
std::string device_name(const std::string& role) {
    return (is_indicator_role(role) ? "indicator:" : "gpio:") + role;
}

}  // namespace

bool GpioGate::acquire(OutputSlot& slot) {
    auto port = backend_->request_output(slot.line, slot.level, slot.role);
    if (!port) {
        mark_fault(slot.role, port.error().message());
        return false;
    }
    slot.port = std::move(*port);
    clear_fault(slot.role);
    return true;
}

bool GpioGate::acquire(InputSlot& slot) {
    bool wiegand = slot.wiegand_bit >= 0;
    auto port =
        backend_->request_input(slot.input, wiegand ? Edge::Falling : Edge::Both, slot.role);
    if (!port) {
        mark_fault(slot.role, port.error().message());
        return false;
    }
    slot.port = std::move(*port);
    auto watched = loop_.watch(slot.port->fd(), EPOLLIN, [this, &slot](std::uint32_t events) {
        if (slot.wiegand_bit >= 0)
            on_wiegand(slot, events);
        else
            on_input(slot, events);
    });
    if (!watched) {
        slot.port.reset();
        mark_fault(slot.role, watched.error().message());
        return false;
    }
    if (wiegand) {
        wiegand_->reset();
    } else {
        auto level = slot.port->get();
        if (!level) {
            release(slot);
            mark_fault(slot.role, level.error().message());
            return false;
        }
        slot.debouncer.reset(*level);
        // Reported before the fault clears, so the gate never sees a lid "closed" in between.
        if (slot.reported != *level) report(slot, *level);
    }
    clear_fault(slot.role);
    return true;
}

void GpioGate::release(InputSlot& slot) {
    if (!slot.port) return;
    loop_.unwatch(slot.port->fd());
    slot.port.reset();
}

void GpioGate::mark_fault(const std::string& role, const std::string& reason) {
    auto it = faults_.find(role);
    if (it != faults_.end()) {
        if (it->second != reason) log::debug(kArea, role + " still missing: " + reason);
        it->second = reason;
        return;
    }
    faults_[role] = reason;
    log::error(kArea, role + " line missing: " + reason);
    events_.device_fault(device_name(role), true, reason);
}

void GpioGate::clear_fault(const std::string& role) {
    if (faults_.erase(role) == 0) return;
    log::notice(kArea, role + " line is back");
    events_.device_fault(device_name(role), false, "");
}

void GpioGate::lost(const std::string& role, const std::string& reason) {
    for (auto& slot : outputs_)
        if (slot.role == role) slot.port.reset();
    for (auto& slot : inputs_)
        if (slot.role == role) release(slot);
    if (wiegand_ && role.rfind("wiegand_", 0) == 0) wiegand_->reset();
    mark_fault(role, reason);
    if (auto* relay = output("relay"); relay && relay->level && !is_indicator_role(role)) {
        log::warning(kArea, "relay switched off: a GPIO line was lost");
        write(*relay, false);
    }
    check_held_lines();
    if (!retry_at_) retry_at_ = clock_.monotonic() + options_.retry_interval.count();
    reschedule();
}

void GpioGate::check_held_lines() {
    for (auto& slot : outputs_) {
        if (!slot.port) continue;
        if (auto s = slot.port->set(slot.level); !s) {
            slot.port.reset();
            mark_fault(slot.role, s.error().message());
        }
    }
    for (auto& slot : inputs_) {
        if (!slot.port) continue;
        if (auto level = slot.port->get(); !level) {
            release(slot);
            mark_fault(slot.role, level.error().message());
        }
    }
    if (safety_fault()) {
        if (auto* relay = output("relay")) {
            relay->level = false;
            if (relay->port) (void)relay->port->set(false);
        }
    }
}

void GpioGate::retry() {
    retry_at_.reset();
    check_held_lines();
    for (auto& slot : outputs_)
        if (!slot.port) acquire(slot);
    for (auto& slot : inputs_)
        if (!slot.port) acquire(slot);
    if (!faults_.empty()) retry_at_ = clock_.monotonic() + options_.retry_interval.count();
}

bool GpioGate::safety_fault() const {
    for (const auto& [role, reason] : faults_)
        if (!is_indicator_role(role)) return true;
    return false;
}

}  // namespace fabgate::gpio

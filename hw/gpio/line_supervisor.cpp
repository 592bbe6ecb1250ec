#include "gpio/line_supervisor.hpp"

#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

// An LED or buzzer only tells the member what is happening: losing one degrades the gate
// ("indicator:"), it never switches a running machine off the way a lost relay, input or reader
// line ("gpio:") does.
std::string device_name(const std::string& role) {
    return (is_indicator_role(role) ? "indicator:" : "gpio:") + role;
}

}  // namespace

bool is_indicator_role(std::string_view role) {
    return role == "led_ready" || role == "led_in_use" || role == "led_denied" || role == "buzzer";
}

LineSupervisor::LineSupervisor(HardwareEvents& events, std::chrono::milliseconds retry_interval)
    : events_(events), retry_interval_(retry_interval) {}

void LineSupervisor::mark_fault(const std::string& role, const std::string& reason) {
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

void LineSupervisor::clear_fault(const std::string& role) {
    if (faults_.erase(role) == 0) return;
    log::notice(kArea, role + " line is back");
    events_.device_fault(device_name(role), false, "");
}

bool LineSupervisor::safety_fault() const {
    for (const auto& [role, reason] : faults_)
        if (!is_indicator_role(role)) return true;
    return false;
}

bool LineSupervisor::faulted(std::string_view role) const {
    return faults_.find(role) != faults_.end();
}

std::vector<std::string> LineSupervisor::faulted_roles() const {
    std::vector<std::string> roles;
    for (const auto& [role, reason] : faults_) roles.push_back(role);
    return roles;
}

void LineSupervisor::retry_from(MonoMs now) {
    if (!retry_at_) retry_at_ = now + retry_interval_.count();
}

bool LineSupervisor::take_due_retry(MonoMs now) {
    if (!retry_at_ || *retry_at_ > now) return false;
    retry_at_.reset();
    return true;
}

void LineSupervisor::retry_again_if_missing(MonoMs now) {
    if (!faults_.empty()) retry_at_ = now + retry_interval_.count();
}

}  // namespace fabgate::gpio

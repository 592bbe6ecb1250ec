#pragma once
// Which of the gate's lines are missing, and when to ask for them again. A missing line is a
// device fault: "gpio:<role>" (the relay must stay off) or, for an LED or the buzzer,
// "indicator:<role>" (the gate only degrades, a running job goes on). Each loss and return is
// reported once, however often a retry fails in between.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ports.hpp"

namespace fabgate::gpio {

// An LED or the buzzer: a line whose loss never switches the relay.
bool is_indicator_role(std::string_view role);

class LineSupervisor {
  public:
    LineSupervisor(HardwareEvents& events, std::chrono::milliseconds retry_interval);

    void mark_fault(const std::string& role, const std::string& reason);
    void clear_fault(const std::string& role);
    // A missing line that must keep the relay off (anything but an LED or the buzzer).
    bool safety_fault() const;
    bool faulted(std::string_view role) const;
    bool any_fault() const { return !faults_.empty(); }
    std::size_t fault_count() const { return faults_.size(); }
    std::vector<std::string> faulted_roles() const;

    // Asks for a retry one interval from `now`, unless one is already due.
    void retry_from(MonoMs now);
    // True, and the retry consumed, once it is due.
    bool take_due_retry(MonoMs now);
    // After a retry: another one interval from `now` while any line is still missing.
    void retry_again_if_missing(MonoMs now);
    std::optional<MonoMs> next_retry() const { return retry_at_; }
    std::chrono::milliseconds retry_interval() const { return retry_interval_; }

  private:
    HardwareEvents& events_;
    std::chrono::milliseconds retry_interval_;
    std::map<std::string, std::string, std::less<>> faults_;  // role -> reason
    std::optional<MonoMs> retry_at_;
};

}  // namespace fabgate::gpio

#pragma once
// The busy, interlock and card-present inputs: each line's edges debounced, and every settled
// change reported to HardwareEvents. A line (re)acquired reports its level before its fault
// clears, so the gate never sees a lid "closed" in between.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ports.hpp"
#include "gpio/debouncer.hpp"
#include "gpio/line_supervisor.hpp"
#include "gpio/watched_input.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

class InputBank {
  public:
    // `lost` is told of a line that failed while read; `changed` of edges that moved a deadline.
    InputBank(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines, HardwareEvents& events,
              const Clock& clock, LostLine lost, std::function<void()> changed);
    ~InputBank();
    InputBank(const InputBank&) = delete;
    InputBank& operator=(const InputBank&) = delete;

    void add(std::string role, InputKind kind, std::string name, const InputLine& input);
    void acquire_missing();
    // Confirms the levels whose debounce window has passed.
    void service(MonoMs now);
    std::optional<MonoMs> next_deadline() const;

    // Every held line read again; one that fails is released and marked missing.
    void check_held();
    void release(const std::string& role);
    void release_all();
    // " busy=active interlock-lid=inactive(missing)"
    std::string describe() const;

  private:
    struct Slot : WatchedLine {
        InputKind kind = InputKind::Busy;
        std::string name;
        Debouncer debouncer{0};
        std::optional<bool> reported;
    };
    void acquire(Slot& slot);
    void on_ready(Slot& slot, std::uint32_t events);
    void settle(Slot& slot, MonoMs now);
    void report(Slot& slot, bool level);

    EventLoop& loop_;
    GpioBackend& backend_;
    LineSupervisor& lines_;
    HardwareEvents& events_;
    const Clock& clock_;
    LostLine lost_;
    std::function<void()> changed_;
    std::deque<Slot> slots_;  // a deque: the loop's watches hold on to their slot
};

}  // namespace fabgate::gpio

#pragma once
// The busy, interlock and card-present inputs: each line's edges debounced, and every settled
// change reported to HardwareEvents. A line (re)acquired reports its level before its fault
// clears, so the gate never sees a lid "closed" in between.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ports.hpp"
#include "gpio/debouncer.hpp"
#include "gpio/input_group.hpp"
#include "gpio/line_supervisor.hpp"
#include "gpio/watched_input.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

class InputBank final : public InputGroup {
  public:
    InputBank(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines, HardwareEvents& events,
              const Clock& clock, LostLine lost, std::function<void()> changed);
    ~InputBank() override;

    void add(std::string role, InputKind kind, std::string name, const InputLine& input);
    // Confirms the levels whose debounce window has passed.
    void service(MonoMs now) override;
    std::optional<MonoMs> next_deadline() const override;
    // " busy=active interlock-lid=inactive(missing)"
    std::string describe() const;

  private:
    struct Slot : WatchedLine {
        InputKind kind = InputKind::Busy;
        std::string name;
        Debouncer debouncer{0};
        std::optional<bool> reported;
    };
    std::size_t line_count() const override { return slots_.size(); }
    WatchedLine& line(std::size_t index) override { return slots_[index]; }
    void acquired(std::size_t index) override;
    void ready(std::size_t index, std::uint32_t events) override;
    void settle(Slot& slot, MonoMs now);
    void report(Slot& slot, bool level);

    HardwareEvents& events_;
    std::vector<Slot> slots_;
};

}  // namespace fabgate::gpio

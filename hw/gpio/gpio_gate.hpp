#pragma once
// The gate's hardware on GPIO lines: relay, after-run output, LEDs and buzzer (Outputs), the
// busy / interlock / card-present inputs (debounced, reported to HardwareEvents), a Wiegand
// reader on two lines, and the badge reader for other types. The GPIO backend is injected, so
// tests run all of this against an in-memory fake.
//
// A line that cannot be requested, or fails later, is a device fault ("gpio:<role>") with the
// relay driven off; every missing line is re-requested on a timer until it is back. An LED or
// buzzer line is the exception: its loss is reported as "indicator:<role>" and leaves the relay
// alone, so a running job goes on. Only a configuration that cannot work is an error.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "core/ports.hpp"
#include "gpio/deferred_events.hpp"
#include "gpio/gpio_lines.hpp"
#include "gpio/input_bank.hpp"
#include "gpio/line_supervisor.hpp"
#include "gpio/output_bank.hpp"
#include "gpio/wiegand_lines.hpp"
#include "loop/event_loop.hpp"
#include "readers/badge_reader.hpp"

namespace fabgate::gpio {

using ReaderOpener = std::function<Result<std::unique_ptr<readers::BadgeReader>>(
    const ReaderConfig&, EventLoop&, HardwareEvents&, const Clock&)>;

struct GpioOptions {
    std::chrono::milliseconds retry_interval{2000};
    // Builds the badge reader for every type but Wiegand (which is GPIO) and Sim (no reader).
    // Empty: no reader.
    ReaderOpener open_reader;
};

// Composes the outputs (output_bank.hpp), the debounced inputs (input_bank.hpp), the Wiegand
// lines (wiegand_lines.hpp) and the record of missing lines (line_supervisor.hpp), and decides
// what a lost line means for the relay.
class GpioGate final : public Outputs {
  public:
    GpioGate(const HardwareConfig& config, EventLoop& loop, HardwareEvents& events,
             const Clock& clock, std::unique_ptr<GpioBackend> backend, GpioOptions options);
    // Every output driven off, then every line released.
    ~GpioGate() override;
    GpioGate(const GpioGate&) = delete;
    GpioGate& operator=(const GpioGate&) = delete;

    // Opens the reader and requests every line. An error only for a reader configuration that
    // cannot be built; missing lines are faults, reported on the loop's first round.
    Status start();

    void set_relay(bool on) override;
    void set_after_run(bool on) override;
    void indicate(Indication indication) override;

    // Does whatever is due by the clock: confirms debounced levels, steps LED and buzzer
    // patterns, ends Wiegand frames, toggles the heartbeat line, retries lost lines. The loop timer
    // calls it; tests call it after moving a FakeClock.
    void service();

    // Roles whose line is missing now ("relay", "interlock-lid").
    std::vector<std::string> faulted_roles() const;
    // The logical level an output is driven to; nullopt for an unconfigured role.
    std::optional<bool> output_level(std::string_view role) const;
    // "relay=off after_run=off led_ready=on ... faults: -"
    std::string describe() const;

  private:
    // A line failed while in use: released and marked missing; unless it is an indicator the
    // relay goes off; the other lines are checked (a chip that vanished takes all of its lines).
    void lost(const std::string& role, const std::string& reason);
    void check_held_lines();
    void retry();
    void reschedule();

    HardwareConfig config_;
    EventLoop& loop_;
    DeferredEvents events_;
    const Clock& clock_;
    std::unique_ptr<GpioBackend> backend_;
    GpioOptions options_;

    LineSupervisor lines_;
    OutputBank outputs_;
    InputBank inputs_;
    std::optional<WiegandLines> wiegand_;
    // The input groups above that exist, in this order; the gate takes each through the same steps.
    std::vector<InputGroup*> groups_;
    std::unique_ptr<readers::BadgeReader> reader_;
    EventLoop::TimerId timer_ = 0;
};

}  // namespace fabgate::gpio

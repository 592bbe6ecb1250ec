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
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "core/ports.hpp"
#include "gpio/debouncer.hpp"
#include "gpio/deferred_events.hpp"
#include "gpio/gpio_lines.hpp"
#include "gpio/indication.hpp"
#include "gpio/wiegand_feed.hpp"
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
    struct OutputSlot {
        std::string role;
        GpioLine line;
        bool level = false;
        bool indicator = false;  // LED or buzzer, driven by a pattern
        PatternPlayer player;
        std::unique_ptr<OutputPort> port;
    };
    struct InputSlot {
        std::string role;
        InputKind kind = InputKind::Busy;
        std::string name;
        InputLine input;
        int wiegand_bit = -1;  // 0 or 1 for the Wiegand data lines
        Debouncer debouncer{0};
        std::optional<bool> reported;
        std::unique_ptr<InputPort> port;
    };

    void add_output(std::string role, const std::optional<GpioLine>& line, bool indicator);
    void add_input(std::string role, InputKind kind, std::string name, const InputLine& input,
                   int wiegand_bit = -1);
    OutputSlot* output(std::string_view role);

    bool acquire(OutputSlot& slot);
    bool acquire(InputSlot& slot);
    void release(InputSlot& slot);
    void lost(const std::string& role, const std::string& reason);
    void mark_fault(const std::string& role, const std::string& reason);
    // A missing line that must keep the relay off (anything but an LED or the buzzer).
    bool safety_fault() const;
    void clear_fault(const std::string& role);
    // After a failure, checks every held line: a chip that vanished takes all of its lines.
    void check_held_lines();
    void retry();

    void write(OutputSlot& slot, bool level);
    void on_input(InputSlot& slot, std::uint32_t events);
    // Reads both Wiegand lines into the frame; the number of pulses, or nullopt if a line was
    // lost (already handled).
    std::optional<std::size_t> drain_wiegand();
    // One debug line per Wiegand frame dropped since the last call, saying why.
    void log_wiegand_drops();
    void on_wiegand(InputSlot& slot, std::uint32_t events);
    void settle(InputSlot& slot, MonoMs now);
    void report(InputSlot& slot, bool level);
    MonoMs event_time(std::int64_t timestamp_ns) const;

    void play(Indication indication, MonoMs now);
    void beat(MonoMs now);
    void reschedule();

    HardwareConfig config_;
    EventLoop& loop_;
    DeferredEvents events_;
    const Clock& clock_;
    std::unique_ptr<GpioBackend> backend_;
    GpioOptions options_;

    std::deque<OutputSlot> outputs_;
    std::deque<InputSlot> inputs_;
    std::map<std::string, std::string> faults_;  // role -> reason
    std::optional<WiegandFeed> wiegand_;
    readers::WiegandAssembler::Drops logged_wiegand_drops_;
    std::unique_ptr<readers::BadgeReader> reader_;

    EventLoop::TimerId timer_ = 0;
    std::optional<MonoMs> retry_at_;
    std::optional<MonoMs> next_beat_;  // the heartbeat line's next toggle
    Indication steady_ = Indication::Ready;
    std::optional<MonoMs> transient_until_;
};

}  // namespace fabgate::gpio

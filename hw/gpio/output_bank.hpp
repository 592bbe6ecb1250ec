#pragma once
// The gate's output lines: the relay, after-run, the LEDs and buzzer playing the indication's
// patterns, the heartbeat line, and an MFRC522's reset line. The relay is added first, so it is
// requested (off) before anything else and switched off before anything else at the end.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "core/ports.hpp"
#include "gpio/gpio_lines.hpp"
#include "gpio/indication.hpp"
#include "gpio/line_supervisor.hpp"
#include "gpio/watched_input.hpp"

namespace fabgate::gpio {

class OutputBank {
  public:
    // `lost` is told of a line that failed while driven; the gate decides what else goes off.
    OutputBank(GpioBackend& backend, LineSupervisor& lines, LostLine lost,
               MonoMs heartbeat_period_ms);

    void add(std::string role, const std::optional<GpioLine>& line, bool indicator);
    // Requests every line not held, each at its current level.
    void acquire_missing();
    // Plays the steady indication and, with a heartbeat line, starts its beat.
    void start(MonoMs now);

    // Refused (relay kept off) while a safety line is missing.
    void set_relay(bool on);
    void set_after_run(bool on);
    void indicate(Indication indication, MonoMs now);
    // Ends a transient indication, steps the patterns, beats the heartbeat.
    void service(MonoMs now);
    std::optional<MonoMs> next_deadline() const;

    // A safety line was lost: the relay goes off if it was on.
    void relay_off_after_loss();
    // Every held line driven again; one that fails is released and marked missing.
    void check_held();
    // A safety line is missing: the relay is off, even if its own line does not answer.
    void force_relay_off();
    void release(const std::string& role);
    // The relay first: if anything after it hangs or fails, the machine is already off. Lines
    // are released only once all are off: a Pi keeps a released line at its last level.
    void all_off_and_release();

    std::optional<bool> level(std::string_view role) const;
    // "relay=off after_run=off led_ready=on(missing) ..."
    std::string describe() const;

  private:
    struct Slot {
        std::string role;
        GpioLine line;
        bool level = false;
        bool indicator = false;  // LED or buzzer, driven by a pattern
        PatternPlayer player;
        std::unique_ptr<OutputPort> port;
    };
    Slot* find(std::string_view role);
    void acquire(Slot& slot);
    void write(Slot& slot, bool level);
    void play(Indication indication, MonoMs now);
    void beat(MonoMs now);

    GpioBackend& backend_;
    LineSupervisor& lines_;
    LostLine lost_;
    MonoMs heartbeat_period_ms_;
    std::deque<Slot> slots_;
    std::optional<MonoMs> next_beat_;  // the heartbeat line's next toggle
    Indication steady_ = Indication::Ready;
    std::optional<MonoMs> transient_until_;
};

}  // namespace fabgate::gpio

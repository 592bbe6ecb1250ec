#pragma once
// A GpioGate on the in-memory backend, its loop and a fake clock, and the laser's wiring: what
// the gate's test files share.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "fake_gpio.hpp"
#include "gpio/gate_hardware.hpp"
#include "gpio/line_supervisor.hpp"
#include "recording_events.hpp"

namespace fabgate::gpio::testing {

inline GpioLine line(unsigned offset, bool active_low = false, std::string chip = "gpiochip0") {
    GpioLine l;
    l.chip = std::move(chip);
    l.offset = offset;
    l.active_low = active_low;
    return l;
}

inline InputLine input(unsigned offset, int debounce_ms = 20, std::string chip = "gpiochip0") {
    InputLine in;
    in.line = line(offset, false, std::move(chip));
    in.debounce_ms = debounce_ms;
    return in;
}

// A laser cutter: active-low relay, exhaust fan after-run, panel LEDs and buzzer, a busy input
// (100 ms debounce) and a lid interlock on an I/O expander (gpiochip1, 20 ms).
inline HardwareConfig laser_config() {
    HardwareConfig hw;
    hw.kind = HardwareKind::Gpio;
    hw.reader.type = ReaderType::Sim;
    hw.relay = line(17, true);
    hw.after_run = line(27);
    hw.led_ready = line(5);
    hw.led_in_use = line(6);
    hw.led_denied = line(13);
    hw.buzzer = line(19);
    hw.busy = input(22, 100);
    hw.interlocks.push_back({"lid", input(23, 20, "gpiochip1")});
    return hw;
}

// Loop rounds for what is ready now: fd events the fake raised, due timers.
inline void pump_ready(EventLoop& loop) {
    for (int i = 0; i < 3; ++i) loop.run_once(0);
}

struct Rig {
    std::shared_ptr<FakeWorld> world = std::make_shared<FakeWorld>();
    EventLoop loop;
    FakeClock clock;
    RecordingEvents events;
    std::unique_ptr<GpioGate> gate;
    std::chrono::milliseconds retry_interval{2000};

    Rig() { world->chips.insert("gpiochip1"); }

    Result<std::unique_ptr<GpioGate>> open(const HardwareConfig& hw, GpioOptions options = {}) {
        options.retry_interval = retry_interval;
        return open_gpio_hardware(hw, loop, events, clock, std::make_unique<FakeBackend>(world),
                                  std::move(options));
    }
    void start(const HardwareConfig& hw) {
        auto opened = open(hw);
        REQUIRE(opened);
        gate = std::move(*opened);
        first_round();
    }
    // The loop's first round, when the held-back start reports are delivered: waits for the
    // due-now timer, which returns at once.
    void first_round() {
        loop.run_once(100);
        pump();
    }
    void pump() { pump_ready(loop); }
    void advance(MonoMs ms) {
        clock.advance(ms);
        gate->service();
        pump();
    }
    FakeLine& at(const std::string& key) { return world->lines[key]; }
    std::int64_t now() const { return clock.monotonic(); }
};

// The parts a bank of lines (output_bank.hpp, input_bank.hpp, wiegand_lines.hpp) is built on,
// without a gate around them.
struct BankParts {
    std::shared_ptr<FakeWorld> world = std::make_shared<FakeWorld>();
    FakeBackend backend{world};
    EventLoop loop;
    FakeClock clock;
    RecordingEvents events;
    LineSupervisor lines{events, std::chrono::milliseconds(2000)};

    BankParts() { world->chips.insert("gpiochip1"); }
    void pump() { pump_ready(loop); }
    FakeLine& at(const std::string& key) { return world->lines[key]; }
    MonoMs now() const { return clock.monotonic(); }
};

// The laser's lines (or `hw`'s) with a Wiegand reader on D0 = line 23, D1 = line 24 in place of
// the interlocks, started, the start-up reports taken.
inline void start_with_wiegand_reader(Rig& rig, HardwareConfig hw = laser_config()) {
    hw.reader.type = ReaderType::Wiegand;
    hw.reader.wiegand_d0 = input(23, 0);
    hw.reader.wiegand_d1 = input(24, 0);
    hw.interlocks.clear();
    rig.start(hw);
    rig.events.take();
}

// What start_with_wiegand_reader's reader sends for `bits` ('0' a pulse on D0, '1' on D1), 2 ms
// apart from `t`; the time after the last.
inline std::int64_t send_wiegand(Rig& rig, std::string_view bits, std::int64_t t) {
    for (char c : bits) {
        rig.world->pulse(c == '1' ? "gpiochip0:24" : "gpiochip0:23", t);
        t += 2;
    }
    return t;
}

// Badge 123456 sent and read off the lines, the clock at its last pulse: not presented yet, as
// the frame is over only once the pulses have stopped for the gap.
inline void send_wiegand_badge(Rig& rig) {
    auto t = send_wiegand(rig, wiegand_frame(0x123456, 24), rig.now());
    rig.clock.advance(t - rig.now());
    rig.pump();
}

inline bool ever_on(const FakeLine& l) {
    return std::find(l.writes.begin(), l.writes.end(), true) != l.writes.end();
}

}  // namespace fabgate::gpio::testing

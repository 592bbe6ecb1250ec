// The GPIO adapter against an in-memory backend: what a member and an installer would notice
// (relay state, debounced inputs, faults and recovery, Wiegand badges, LEDs and buzzer).
#include <doctest/doctest.h>

#include <algorithm>

#include "fake_gpio.hpp"
#include "gpio/gate_hardware.hpp"
#include "recording_events.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

GpioLine line(unsigned offset, bool active_low = false, std::string chip = "gpiochip0") {
    GpioLine l;
    l.chip = std::move(chip);
    l.offset = offset;
    l.active_low = active_low;
    return l;
}

InputLine input(unsigned offset, int debounce_ms = 20, std::string chip = "gpiochip0") {
    InputLine in;
    in.line = line(offset, false, std::move(chip));
    in.debounce_ms = debounce_ms;
    return in;
}

HardwareConfig laser_config() {
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

struct Rig {
    std::shared_ptr<FakeWorld> world = std::make_shared<FakeWorld>();
    EventLoop loop;
    FakeClock clock;
    RecordingEvents events;
    std::unique_ptr<GpioGate> gate;

    Rig() { world->chips.insert("gpiochip1"); }

    Result<std::unique_ptr<GpioGate>> open(const HardwareConfig& hw, GpioOptions options = {}) {
        options.retry_interval = std::chrono::milliseconds(2000);
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
    // Loop rounds for what is ready now: fd events the fake raised, due timers.
    void pump() {
        for (int i = 0; i < 3; ++i) loop.run_once(0);
    }
    void advance(MonoMs ms) {
        clock.advance(ms);
        gate->service();
        pump();
    }
    FakeLine& at(const std::string& key) { return world->lines[key]; }
    std::int64_t now() const { return clock.monotonic(); }
};

// The laser's lines with a Wiegand reader on D0 = line 23, D1 = line 24, started, the start-up
// reports taken.
void start_with_wiegand_reader(Rig& rig) {
    auto hw = laser_config();
    hw.reader.type = ReaderType::Wiegand;
    hw.reader.wiegand_d0 = input(23, 0);
    hw.reader.wiegand_d1 = input(24, 0);
    hw.interlocks.clear();
    rig.start(hw);
    rig.events.take();
}

struct StubReader final : readers::BadgeReader {
    std::string describe() const override { return "stub reader"; }
    readers::DropCounts drop_counts() const override { return {}; }
    bool connected() const override { return true; }
};

bool ever_on(const FakeLine& l) {
    return std::find(l.writes.begin(), l.writes.end(), true) != l.writes.end();
}

}  // namespace

TEST_CASE("the relay is requested off, stays off until asked, and is off and released after") {
    Rig rig;
    rig.world->lines["gpiochip0:22"].level = true;  // the machine is drawing current at start
    rig.start(laser_config());
    auto& relay = rig.at("gpiochip0:17");
    CHECK(relay.requested);
    REQUIRE_FALSE(relay.writes.empty());
    CHECK(relay.writes.front() == false);  // requested off: no glitch on
    CHECK_FALSE(ever_on(relay));
    CHECK(relay.consumer == "relay");

    rig.gate->set_relay(true);
    rig.gate->set_after_run(true);
    CHECK(relay.level);
    CHECK(rig.at("gpiochip0:27").level);
    rig.gate.reset();
    CHECK_FALSE(relay.level);
    CHECK_FALSE(rig.at("gpiochip0:27").level);
    CHECK_FALSE(relay.requested);
    CHECK_FALSE(rig.at("gpiochip0:22").requested);
}

TEST_CASE("every input's level is reported at start, once the gate's loop runs") {
    Rig rig;
    rig.world->lines["gpiochip0:22"].level = true;
    rig.world->lines["gpiochip1:23"].level = true;  // lid open at start
    auto opened = rig.open(laser_config());
    REQUIRE(opened);
    rig.gate = std::move(*opened);
    // The gate builds its state machine after the factory returns: nothing may be said before.
    CHECK(rig.events.log.empty());
    rig.first_round();
    auto log = rig.events.take();
    CHECK(log == std::vector<std::string>{"busy busy on", "interlock lid on"});
}

TEST_CASE("a bouncing input is reported once, after the debounce window, from kernel timestamps") {
    Rig rig;
    rig.start(laser_config());
    CHECK(rig.events.take() == std::vector<std::string>{"busy busy off", "interlock lid off"});
    auto t = rig.now();
    // The lid switch bounces for 6 ms while opening.
    rig.world->drive("gpiochip1:23", true, t);
    rig.world->drive("gpiochip1:23", false, t + 2);
    rig.world->drive("gpiochip1:23", true, t + 6);
    rig.pump();
    rig.advance(10);
    CHECK(rig.events.log.empty());
    rig.advance(16);  // 20 ms after the last edge
    CHECK(rig.events.take() == std::vector<std::string>{"interlock lid on"});
    rig.advance(1000);
    CHECK(rig.events.log.empty());

    // A 3 ms spike on the busy line (100 ms window) is not a job starting.
    t = rig.now();
    rig.world->drive("gpiochip0:22", true, t);
    rig.world->drive("gpiochip0:22", false, t + 3);
    rig.pump();
    rig.advance(200);
    CHECK(rig.events.log.empty());
}

TEST_CASE("a chip missing at start is a fault, not an error; the gate recovers without a restart") {
    Rig rig;
    rig.world->chips.erase("gpiochip1");
    rig.world->lines["gpiochip1:23"].level = true;
    rig.start(laser_config());
    auto log = rig.events.take();
    CHECK(std::count(log.begin(), log.end(), "fault gpio:interlock-lid on") == 1);
    CHECK(rig.gate->faulted_roles() == std::vector<std::string>{"interlock-lid"});

    rig.gate->set_relay(true);  // nothing may power the machine while a line is missing
    CHECK_FALSE(rig.at("gpiochip0:17").level);

    rig.advance(2000);  // a retry, still missing: reported once only
    CHECK(rig.events.log.empty());
    rig.world->plug("gpiochip1");
    rig.advance(2000);
    // The lid's level first, then the fault clears: the gate never sees a closed lid in between.
    CHECK(rig.events.take() ==
          std::vector<std::string>{"interlock lid on", "fault gpio:interlock-lid off"});
    CHECK(rig.gate->faulted_roles().empty());
    rig.gate->set_relay(true);
    CHECK(rig.at("gpiochip0:17").level);
}

TEST_CASE(
    "a relay chip missing at start: the gate starts in fault and gets its relay when the chip "
    "appears") {
    Rig rig;
    rig.world->chips.erase("gpiochip0");
    rig.start(laser_config());
    auto log = rig.events.take();
    CHECK(std::count(log.begin(), log.end(), "fault gpio:relay on") == 1);
    rig.world->plug("gpiochip0");
    rig.advance(2000);
    CHECK_FALSE(rig.at("gpiochip0:17").level);
    CHECK(rig.at("gpiochip0:17").requested);
    CHECK(rig.gate->faulted_roles().empty());
}

TEST_CASE("a chip lost while running: fault, relay off, and recovery when it comes back") {
    Rig rig;
    rig.start(laser_config());
    rig.events.take();
    rig.gate->set_relay(true);
    REQUIRE(rig.at("gpiochip0:17").level);

    rig.world->unplug("gpiochip1");  // the interlock's I/O expander fell off the bus
    rig.pump();
    CHECK(rig.events.take() == std::vector<std::string>{"fault gpio:interlock-lid on"});
    CHECK_FALSE(rig.at("gpiochip0:17").level);  // relay driven off at once

    rig.world->plug("gpiochip1");
    rig.advance(2000);
    CHECK(rig.events.take() == std::vector<std::string>{"fault gpio:interlock-lid off"});
    CHECK_FALSE(rig.at("gpiochip0:17").level);  // the gate decides when it may power again
}

TEST_CASE("an output lost while running takes every line of its chip into the fault") {
    Rig rig;
    rig.start(laser_config());
    rig.events.take();
    rig.world->unplug("gpiochip0");
    rig.gate->set_relay(true);  // the write fails: the relay line is gone
    rig.pump();
    auto log = rig.events.take();
    CHECK(std::count(log.begin(), log.end(), "fault gpio:relay on") == 1);
    CHECK(std::count(log.begin(), log.end(), "fault gpio:busy on") == 1);
    CHECK(std::count(log.begin(), log.end(), "fault indicator:led_ready on") == 1);
    CHECK(std::count(log.begin(), log.end(), "fault gpio:interlock-lid on") == 0);

    rig.world->plug("gpiochip0");
    rig.advance(2000);
    CHECK(rig.gate->faulted_roles().empty());
    CHECK_FALSE(rig.at("gpiochip0:17").level);
}

TEST_CASE("a lost LED or buzzer is reported but leaves the relay and a running job alone") {
    Rig rig;
    auto hw = laser_config();
    for (auto* indicator : {&hw.led_ready, &hw.led_in_use, &hw.led_denied, &hw.buzzer})
        (*indicator)->chip = "gpiochip2";  // the front panel on its own I/O expander
    rig.world->chips.insert("gpiochip2");
    rig.start(hw);
    rig.events.take();
    rig.gate->set_relay(true);
    REQUIRE(rig.at("gpiochip0:17").level);

    rig.world->unplug("gpiochip2");
    rig.gate->indicate(Indication::Denied);  // the write fails: the panel is gone
    rig.pump();
    auto log = rig.events.take();
    CHECK(std::count(log.begin(), log.end(), "fault indicator:led_ready on") == 1);
    CHECK(std::count(log.begin(), log.end(), "fault indicator:buzzer on") == 1);
    CHECK(std::none_of(log.begin(), log.end(),
                       [](const std::string& e) { return e.find("gpio:") != std::string::npos; }));
    CHECK(rig.at("gpiochip0:17").level);  // the job goes on
    rig.gate->set_relay(false);
    rig.gate->set_relay(true);  // and the next one may start
    CHECK(rig.at("gpiochip0:17").level);

    rig.world->plug("gpiochip2");
    rig.advance(2000);
    CHECK(rig.gate->faulted_roles().empty());
    CHECK(rig.at("gpiochip0:17").level);
}

TEST_CASE("a line held by another program is a fault that clears once it is freed") {
    Rig rig;
    rig.world->busy_lines.insert("gpiochip0:19");
    rig.start(laser_config());
    CHECK(rig.gate->faulted_roles() == std::vector<std::string>{"buzzer"});
    rig.world->busy_lines.clear();
    rig.advance(2000);
    CHECK(rig.gate->faulted_roles().empty());
}

TEST_CASE("a configuration without a relay cannot start") {
    Rig rig;
    auto hw = laser_config();
    hw.relay.reset();
    auto opened = rig.open(hw);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().where == "hardware.outputs.relay");
}

TEST_CASE("a reader the readers factory refuses makes the factory fail; an absent one does not") {
    Rig rig;
    auto hw = laser_config();
    hw.reader.type = ReaderType::Rdm6300;
    GpioOptions options;
    options.open_reader = [](const ReaderConfig&, EventLoop&, HardwareEvents&,
                             const Clock&) -> Result<std::unique_ptr<readers::BadgeReader>> {
        return fail("hardware.reader.device", "is required");
    };
    auto opened = rig.open(hw, options);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().where == "hardware.reader.device");
}

TEST_CASE(
    "granted beeps once and lights in-use; denied beeps three times; then the steady signal") {
    Rig rig;
    rig.start(laser_config());
    auto& ready = rig.at("gpiochip0:5");
    auto& in_use = rig.at("gpiochip0:6");
    auto& denied = rig.at("gpiochip0:13");
    auto& buzzer = rig.at("gpiochip0:19");
    CHECK(ready.level);  // Ready from the start

    rig.gate->indicate(Indication::Granted);
    rig.gate->indicate(Indication::InUse);  // the core says both in one breath
    CHECK(buzzer.level);
    CHECK(in_use.level);
    CHECK_FALSE(ready.level);
    for (int i = 0; i < 100; ++i) rig.advance(10);
    CHECK_FALSE(buzzer.level);
    CHECK(in_use.level);
    CHECK(std::count(buzzer.writes.begin(), buzzer.writes.end(), true) == 1);

    buzzer.writes.clear();
    rig.gate->indicate(Indication::Denied);
    for (int i = 0; i < 300; ++i) rig.advance(10);
    CHECK(std::count(buzzer.writes.begin(), buzzer.writes.end(), true) == 3);
    CHECK_FALSE(buzzer.level);
    CHECK_FALSE(denied.level);  // back to InUse after the refusal
    CHECK(in_use.level);
}

TEST_CASE("a Wiegand reader on two GPIO lines presents a badge") {
    Rig rig;
    start_with_wiegand_reader(rig);
    auto t = rig.now();
    for (char c : wiegand_frame(0x123456, 24)) {
        rig.world->pulse(c == '1' ? "gpiochip0:24" : "gpiochip0:23", t);
        t += 2;
    }
    rig.clock.advance(t - rig.now());
    rig.pump();
    CHECK(rig.events.log.empty());  // the frame is not over until the pulses stop
    rig.advance(40);
    CHECK(rig.events.take() == std::vector<std::string>{"badge 123456"});
}

TEST_CASE("a Wiegand frame is not split when the loop is late to read its last bits") {
    Rig rig;
    start_with_wiegand_reader(rig);
    const std::string bits = wiegand_frame(0x123456, 24);
    auto t = rig.now();
    auto send = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            rig.world->pulse(bits[i] == '1' ? "gpiochip0:24" : "gpiochip0:23", t);
            t += 2;
        }
    };
    send(0, 13);
    rig.clock.advance(t - rig.now());
    rig.pump();
    // The rest arrived in time but still sits in the kernel queue when the end-of-frame timer
    // fires, well after both halves ended (a busy Pi).
    send(13, bits.size());
    rig.clock.advance(70);
    rig.gate->service();
    CHECK(rig.events.take() == std::vector<std::string>{"badge 123456"});
    rig.advance(40);
    CHECK(rig.events.take().empty());  // and nothing more: no half-frame left behind
}

TEST_CASE("the MFRC522 reset line is held out of reset while the gate runs") {
    Rig rig;
    auto hw = laser_config();
    hw.reader.type = ReaderType::Mfrc522;
    hw.reader.device = "/dev/spidev0.0";
    hw.reader.reset_line = line(25, true);
    GpioOptions options;
    options.open_reader = [](const ReaderConfig&, EventLoop&, HardwareEvents&,
                             const Clock&) -> Result<std::unique_ptr<readers::BadgeReader>> {
        return std::unique_ptr<readers::BadgeReader>(std::make_unique<StubReader>());
    };
    auto opened = rig.open(hw, options);
    REQUIRE(opened);
    CHECK(rig.at("gpiochip0:25").requested);
    CHECK_FALSE(rig.at("gpiochip0:25").level);  // logical inactive: NRSTPD high with active_low
}

TEST_CASE("the real backend is there, or the factory says this build has none") {
    EventLoop loop;
    FakeClock clock;
    RecordingEvents events;
    auto hw = laser_config();
    if (gpiod_api() == 0) {
        auto opened = open_gpio_hardware(hw, loop, events, clock);
        REQUIRE_FALSE(opened);
        CHECK(opened.error().message().find("without") != std::string::npos);
    } else {
        CHECK(open_gpiod_backend().has_value());
    }
}

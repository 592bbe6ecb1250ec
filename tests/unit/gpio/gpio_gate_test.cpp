// The GPIO adapter against an in-memory backend: what a member and an installer would notice
// (relay state, debounced inputs, Wiegand badges, LEDs and buzzer, the reader factory). Missing
// and lost lines are in gpio_faults_test.cpp.
#include <doctest/doctest.h>

#include <algorithm>

#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

struct StubReader final : readers::BadgeReader {
    std::string describe() const override { return "stub reader"; }
    readers::DropCounts drop_counts() const override { return {}; }
    bool connected() const override { return true; }
};

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
    send_wiegand_badge(rig);
    CHECK(rig.events.log.empty());  // the frame is not over until the pulses stop
    rig.advance(40);
    CHECK(rig.events.take() == std::vector<std::string>{"badge 123456"});
}

TEST_CASE("a Wiegand frame is not split when the loop is late to read its last bits") {
    Rig rig;
    start_with_wiegand_reader(rig);
    const std::string bits = wiegand_frame(0x123456, 24);
    auto t = send_wiegand(rig, std::string_view(bits).substr(0, 13), rig.now());
    rig.clock.advance(t - rig.now());
    rig.pump();
    // The rest arrived in time but still sits in the kernel queue when the end-of-frame timer
    // fires, well after both halves ended (a busy Pi).
    send_wiegand(rig, std::string_view(bits).substr(13), t);
    rig.clock.advance(70);
    rig.gate->service();
    CHECK(rig.events.take() == std::vector<std::string>{"badge 123456"});
    rig.advance(40);
    CHECK(rig.events.take().empty());  // and nothing more: no half-frame left behind
}

TEST_CASE("the MFRC522 is out of reset, and the relay held off, before its reader opens") {
    // At boot GPIO25 is an input pulled down: NRSTPD low, the chip powered down. A reader opened
    // before the gate drives the line answers nothing and starts the gate in a reader fault.
    Rig rig;
    auto hw = laser_config();
    hw.reader.type = ReaderType::Mfrc522;
    hw.reader.device = "/dev/spidev0.0";
    hw.reader.reset_line = line(25, true);
    bool out_of_reset = false, relay_held_off = false;
    GpioOptions options;
    options.open_reader = [&](const ReaderConfig&, EventLoop&, HardwareEvents&,
                              const Clock&) -> Result<std::unique_ptr<readers::BadgeReader>> {
        const auto& reset = rig.at("gpiochip0:25");
        const auto& relay = rig.at("gpiochip0:17");
        out_of_reset = reset.requested && !reset.level;
        relay_held_off = relay.requested && !relay.level;
        return std::unique_ptr<readers::BadgeReader>(std::make_unique<StubReader>());
    };
    auto opened = rig.open(hw, options);
    REQUIRE(opened);
    CHECK(out_of_reset);
    CHECK(relay_held_off);
    // And for as long as the gate runs.
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

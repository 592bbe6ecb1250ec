// GPIO lines missing at start, lost while running, or held by another program: the faults the
// gate reports, what the relay does meanwhile, and the recovery without a restart.
#include <doctest/doctest.h>

#include <algorithm>

#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

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

TEST_CASE("a failed write checks the inputs of the same chip at once, not at their next edge") {
    Rig rig;
    rig.start(laser_config());
    rig.events.take();
    rig.world->unplug("gpiochip0");
    rig.gate->set_relay(true);  // fails; the loop has not run since
    // The busy input sits on the same chip: it is known missing before any of its edges or
    // errors reach the loop, so the gate cannot count a vanished busy signal as idle.
    auto missing = rig.gate->faulted_roles();
    CHECK(std::count(missing.begin(), missing.end(), "busy") == 1);
    CHECK(std::count(missing.begin(), missing.end(), "interlock-lid") == 0);
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

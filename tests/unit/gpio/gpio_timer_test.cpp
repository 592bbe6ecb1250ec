// The gate wakes on one loop timer, armed for the earliest of its parts' deadlines. Here only
// the loop runs, never a direct service() call: each case has a far deadline pending (a slow
// heartbeat or retry) next to a near one, and the near one must still happen when due.
//
// The loop's timerfd counts real time: the near deadlines are a few milliseconds (at most the
// 150 ms of a beep), and a case gives up after a bounded number of rounds, never sleeping for
// the far deadline.
#include <doctest/doctest.h>

#include <functional>

#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

constexpr int kFarMs = 60'000;

// The laser with a heartbeat line whose next beat is a minute away.
HardwareConfig laser_with_slow_heartbeat() {
    auto hw = laser_config();
    hw.heartbeat = line(12);
    hw.heartbeat_period_ms = kFarMs;
    return hw;
}

// Loop rounds until `done`, at most about a second of real time.
bool run_loop_until(Rig& rig, const std::function<bool()>& done) {
    for (int round = 0; round < 50 && !done(); ++round) rig.loop.run_once(20);
    return done();
}

}  // namespace

TEST_CASE("the loop's timer confirms a debounced input when its window ends") {
    Rig rig;
    auto hw = laser_with_slow_heartbeat();
    hw.interlocks[0].input.debounce_ms = 5;
    rig.start(hw);
    rig.events.take();

    rig.world->drive("gpiochip1:23", true, rig.now());  // the lid opens
    rig.pump();
    rig.clock.advance(5);
    CHECK(run_loop_until(rig, [&] { return !rig.events.log.empty(); }));
    CHECK(rig.events.take() == std::vector<std::string>{"interlock lid on"});
}

TEST_CASE("the loop's timer ends the granted beep when it is due") {
    Rig rig;
    rig.start(laser_with_slow_heartbeat());
    auto& buzzer = rig.at("gpiochip0:19");
    rig.gate->indicate(Indication::Granted);
    REQUIRE(buzzer.level);

    rig.clock.advance(150);
    CHECK(run_loop_until(rig, [&] { return !buzzer.level; }));
    CHECK_FALSE(buzzer.level);
}

TEST_CASE("the loop's timer asks for a missing line again after the retry interval") {
    Rig rig;
    rig.retry_interval = std::chrono::milliseconds(10);
    rig.world->chips.erase("gpiochip1");
    rig.start(laser_with_slow_heartbeat());
    REQUIRE(rig.gate->faulted_roles() == std::vector<std::string>{"interlock-lid"});

    rig.world->plug("gpiochip1");
    rig.clock.advance(10);
    CHECK(run_loop_until(rig, [&] { return rig.gate->faulted_roles().empty(); }));
    rig.gate->set_relay(true);
    CHECK(rig.at("gpiochip0:17").level);
}

TEST_CASE("the loop's timer beats the heartbeat while a slow retry is pending") {
    Rig rig;
    rig.retry_interval = std::chrono::milliseconds(kFarMs);
    rig.world->busy_lines.insert("gpiochip0:19");  // the buzzer: retried a minute from now
    auto hw = laser_config();
    hw.heartbeat = line(12);
    hw.heartbeat_period_ms = 10;
    rig.start(hw);
    REQUIRE(rig.gate->faulted_roles() == std::vector<std::string>{"buzzer"});
    auto& heartbeat = rig.at("gpiochip0:12");
    REQUIRE_FALSE(heartbeat.level);

    rig.clock.advance(10);
    CHECK(run_loop_until(rig, [&] { return heartbeat.level; }));
    rig.clock.advance(10);
    CHECK(run_loop_until(rig, [&] { return !heartbeat.level; }));
}

TEST_CASE("the loop's timer ends a Wiegand frame once its pulses have stopped") {
    Rig rig;
    start_with_wiegand_reader(rig, laser_with_slow_heartbeat());
    send_wiegand_badge(rig);
    REQUIRE(rig.events.log.empty());  // the reader may still be sending

    // Past the gap that ends a frame (25 ms) and the settling after it; no service() call here.
    rig.clock.advance(40);
    CHECK(run_loop_until(rig, [&] { return !rig.events.log.empty(); }));
    CHECK(rig.events.take() == std::vector<std::string>{"badge 123456"});
}

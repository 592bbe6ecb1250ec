// The output lines on their own: when the relay may switch on, the order things go off at the
// end, the LED and buzzer patterns, and the heartbeat's rhythm.
#include "gpio/output_bank.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

struct Bank : BankParts {
    std::vector<std::string> lost;
    OutputBank outputs;

    explicit Bank(MonoMs heartbeat_period_ms = 250)
        : outputs(
              backend, lines,
              [this](const std::string& role, const std::string&) { lost.push_back(role); },
              heartbeat_period_ms) {}
    void add_panel() {
        outputs.add("led_ready", line(5), true);
        outputs.add("led_in_use", line(6), true);
        outputs.add("led_denied", line(13), true);
        outputs.add("buzzer", line(19), true);
    }
    std::size_t beeps() {
        const auto& writes = at("gpiochip0:19").writes;
        return static_cast<std::size_t>(std::count(writes.begin(), writes.end(), true));
    }
};

}  // namespace

TEST_CASE("the relay is refused on while a safety line is missing, not while an LED is") {
    Bank bank;
    bank.outputs.add("relay", line(17, true), false);
    bank.outputs.acquire_missing();
    auto& relay = bank.at("gpiochip0:17");

    bank.lines.mark_fault("interlock-lid", "chip gone");
    bank.outputs.set_relay(true);
    CHECK_FALSE(relay.level);
    CHECK_FALSE(ever_on(relay));

    bank.lines.clear_fault("interlock-lid");
    bank.lines.mark_fault("led_ready", "chip gone");  // the panel only: the job may run
    bank.outputs.set_relay(true);
    CHECK(relay.level);
}

TEST_CASE("at the end the relay goes off before any other line, then every line is released") {
    Bank bank;
    // Added after the others on purpose: the relay's place in the list must not matter.
    bank.outputs.add("after_run", line(27), false);
    bank.add_panel();
    bank.outputs.add("relay", line(17, true), false);
    bank.outputs.acquire_missing();
    bank.outputs.start(bank.now());
    bank.outputs.set_relay(true);
    bank.outputs.set_after_run(true);
    bank.world->write_order.clear();

    bank.outputs.all_off_and_release();
    REQUIRE_FALSE(bank.world->write_order.empty());
    CHECK(bank.world->write_order.front() == "gpiochip0:17=off");
    for (const auto* key : {"gpiochip0:17", "gpiochip0:27", "gpiochip0:5", "gpiochip0:19"}) {
        CAPTURE(key);
        CHECK_FALSE(bank.at(key).level);
        CHECK_FALSE(bank.at(key).requested);
    }
}

TEST_CASE("denied beeps three times, then the panel returns to the steady indication") {
    Bank bank;
    bank.add_panel();
    bank.outputs.acquire_missing();
    const MonoMs start = bank.now();
    bank.outputs.start(start);
    CHECK(bank.at("gpiochip0:5").level);  // Ready

    bank.outputs.indicate(Indication::Denied, start);
    CHECK(bank.at("gpiochip0:13").level);
    CHECK_FALSE(bank.at("gpiochip0:5").level);
    for (MonoMs t = start; t <= start + 1500; t += 10) bank.outputs.service(t);
    CHECK(bank.beeps() == 3);
    CHECK_FALSE(bank.at("gpiochip0:19").level);
    CHECK_FALSE(bank.at("gpiochip0:13").level);
    CHECK(bank.at("gpiochip0:5").level);  // Ready again
    CHECK_FALSE(bank.outputs.next_deadline());
}

TEST_CASE("the heartbeat toggles once per period, and a late service gives one edge, not a burst") {
    Bank bank(100);
    bank.outputs.add("relay", line(17), false);
    bank.outputs.add("heartbeat", line(12), false);
    bank.outputs.acquire_missing();
    const MonoMs start = bank.now();
    bank.outputs.start(start);
    auto& heartbeat = bank.at("gpiochip0:12");

    bank.outputs.service(start + 99);
    CHECK(heartbeat.writes == std::vector<bool>{false});
    bank.outputs.service(start + 100);
    bank.outputs.service(start + 200);
    CHECK(heartbeat.writes == std::vector<bool>{false, true, false});

    // The loop stalled for two seconds: one edge, and the next a full period later.
    bank.outputs.service(start + 2200);
    bank.outputs.service(start + 2250);
    CHECK(heartbeat.writes == std::vector<bool>{false, true, false, true});
    bank.outputs.service(start + 2300);
    CHECK(heartbeat.writes.size() == 5);
}

// The debounced inputs on their own: a level counts only once it has held for the input's
// debounce time, each change is reported once, and a line coming back reports its level before
// its fault clears.
#include "gpio/input_bank.hpp"

#include <doctest/doctest.h>

#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

using Log = std::vector<std::string>;

struct Bank : BankParts {
    std::vector<std::string> lost;
    InputBank inputs;

    Bank()
        : inputs(
              loop, backend, lines, events, clock,
              [this](const std::string& role, const std::string&) { lost.push_back(role); },
              [] {}) {}
    // The bank's clock-driven half, as the gate's timer would run it.
    void advance(MonoMs ms) {
        clock.advance(ms);
        inputs.service(now());
    }
};

}  // namespace

TEST_CASE("a bouncing busy line is reported once, only after its debounce time") {
    Bank bank;
    bank.inputs.add("busy", InputKind::Busy, "busy", input(22, 20));
    bank.inputs.acquire_missing();
    CHECK(bank.events.take() == Log{"busy busy off"});

    // The switch bounces for 6 ms; the kernel stamps each edge as it happens.
    for (bool level : {true, false, true}) {
        bank.world->drive("gpiochip0:22", level, bank.now());
        bank.pump();
        bank.clock.advance(3);
    }
    bank.advance(16);  // 19 ms after the last edge
    CHECK(bank.events.log.empty());
    bank.advance(1);
    CHECK(bank.events.take() == Log{"busy busy on"});
    bank.advance(500);
    CHECK(bank.events.log.empty());
}

TEST_CASE("a line that comes back reports its level before its fault clears") {
    Bank bank;
    bank.world->chips.erase("gpiochip1");
    bank.at("gpiochip1:23").level = true;  // the lid is open
    bank.inputs.add("interlock-lid", InputKind::Interlock, "lid", input(23, 20, "gpiochip1"));
    bank.inputs.acquire_missing();
    CHECK(bank.events.take() == Log{"fault gpio:interlock-lid on"});

    bank.world->plug("gpiochip1");
    bank.inputs.acquire_missing();
    // Never "lid closed" in between: the gate sees the open lid with the fault still standing.
    CHECK(bank.events.take() == Log{"interlock lid on", "fault gpio:interlock-lid off"});
}

TEST_CASE("a line whose chip goes away is handed over as lost, and reports nothing more") {
    Bank bank;
    bank.inputs.add("interlock-lid", InputKind::Interlock, "lid", input(23, 20, "gpiochip1"));
    bank.inputs.acquire_missing();
    bank.events.take();
    bank.world->unplug("gpiochip1");
    bank.pump();
    CHECK(bank.lost == std::vector<std::string>{"interlock-lid"});
    CHECK(bank.events.log.empty());
}

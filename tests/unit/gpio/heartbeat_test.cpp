// The heartbeat dead-man: a relay driver behind a retriggerable monostable (or a watchdog relay
// board) keeps the machine powered only while this line keeps toggling. It must toggle while
// the gate's event loop runs, and stop as soon as the loop does.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/gate_config.hpp"
#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

const char* const kHeartbeat = "gpiochip0:12";

HardwareConfig heartbeat_config(int period_ms) {
    HardwareConfig hw;
    hw.kind = HardwareKind::Gpio;
    hw.reader.type = ReaderType::Sim;
    hw.relay = line(17);
    hw.heartbeat = line(12);
    hw.heartbeat_period_ms = period_ms;
    return hw;
}

// The gate rig (gate_rig.hpp) with only a relay and the heartbeat line, started.
struct HeartbeatRig : Rig {
    explicit HeartbeatRig(int period_ms) { start(heartbeat_config(period_ms)); }
    const std::vector<bool>& writes() { return world->line(kHeartbeat).writes; }
    // Edges on the line: what a monostable's trigger input sees.
    std::size_t edges() {
        const auto& w = writes();
        std::size_t n = 0;
        for (std::size_t i = 1; i < w.size(); ++i) n += w[i] != w[i - 1] ? 1 : 0;
        return n;
    }
};

}  // namespace

TEST_CASE("the heartbeat line toggles once per period while the loop runs") {
    HeartbeatRig rig(250);
    CHECK(rig.writes() == std::vector<bool>{false});  // requested low, like every output
    for (int i = 0; i < 8; ++i) {
        rig.clock.advance(250);
        rig.gate->service();
    }
    CHECK(rig.edges() == 8);
    CHECK(rig.writes().back() == false);
    rig.clock.advance(100);  // between beats: nothing
    rig.gate->service();
    CHECK(rig.edges() == 8);
}

TEST_CASE("the heartbeat is driven by the event loop's own timer") {
    HeartbeatRig rig(50);
    // Only the loop runs here: no direct service() call. Its timer is armed for the next beat.
    for (int i = 0; i < 4; ++i) {
        rig.clock.advance(50);
        rig.loop.run_once(1000);
    }
    CHECK(rig.edges() == 4);
}

TEST_CASE("a stalled loop stops the heartbeat, and a revived one does not fake a burst") {
    HeartbeatRig rig(50);
    for (int i = 0; i < 3; ++i) {
        rig.clock.advance(50);
        rig.loop.run_once(1000);
    }
    REQUIRE(rig.edges() == 3);
    const bool held = rig.world->line(kHeartbeat).level;
    // Ten seconds pass with the loop stuck (a blocking call, a deadlock): the line holds still,
    // so the monostable runs out and drops the relay driver's supply.
    rig.clock.advance(10'000);
    CHECK(rig.edges() == 3);
    CHECK(rig.world->line(kHeartbeat).level == held);
    // Back to life: one edge, then the normal rhythm, not 200 edges making up for lost time.
    rig.loop.run_once(1000);
    CHECK(rig.edges() == 4);
    for (int i = 0; i < 3; ++i) rig.gate->service();  // no time has passed since that edge
    CHECK(rig.edges() == 4);
}

TEST_CASE("a gate that exits leaves the heartbeat still and off") {
    HeartbeatRig rig(50);
    rig.clock.advance(50);
    rig.loop.run_once(1000);
    REQUIRE(rig.world->line(kHeartbeat).level);
    rig.gate.reset();
    CHECK_FALSE(rig.world->line(kHeartbeat).level);
    CHECK_FALSE(rig.world->line(kHeartbeat).requested);
}

TEST_CASE("a missing heartbeat line is a fault: the relay stays off") {
    HeartbeatRig rig(250);
    rig.world->busy_lines.insert(kHeartbeat);
    rig.gate.reset();
    rig.start(heartbeat_config(250));
    CHECK(rig.gate->faulted_roles() == std::vector<std::string>{"heartbeat"});
    rig.gate->set_relay(true);
    CHECK_FALSE(rig.world->line("gpiochip0:17").level);
}

TEST_CASE("heartbeat config: a line, a period within bounds, and no period without a line") {
    auto config = [](const std::string& outputs) {
        return load_gate_config_text(
            R"({"site": "lab", "machine": "m", "hardware": {"kind": "gpio",
                "reader": {"type": "sim"}, "outputs": {"relay": {"line": 17})" +
            outputs + "}}}");
    };
    auto fine = config(R"(, "heartbeat": {"line": "GPIO12"}, "heartbeat_period_ms": 100)");
    REQUIRE(fine);
    REQUIRE(fine->hardware.heartbeat);
    CHECK(fine->hardware.heartbeat->name == "GPIO12");
    CHECK(fine->hardware.heartbeat_period_ms == 100);
    auto defaulted = config(R"(, "heartbeat": {"line": 12})");
    REQUIRE(defaulted);
    CHECK(defaulted->hardware.heartbeat_period_ms == 250);
    auto none = config("");
    REQUIRE(none);
    CHECK_FALSE(none->hardware.heartbeat);

    auto too_fast = config(R"(, "heartbeat": {"line": 12}, "heartbeat_period_ms": 5)");
    REQUIRE_FALSE(too_fast);
    CHECK(too_fast.error()[0].where == "hardware.outputs.heartbeat_period_ms");
    auto orphan = config(R"(, "heartbeat_period_ms": 500)");
    REQUIRE_FALSE(orphan);
    CHECK(orphan.error()[0].message().find("needs hardware.outputs.heartbeat") !=
          std::string::npos);
}

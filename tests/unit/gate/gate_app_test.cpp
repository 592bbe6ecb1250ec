#include <unistd.h>

#include <doctest/doctest.h>

#include "gate/gate_app.hpp"
#include "sys/log.hpp"
#include "sys/session_ids.hpp"

using namespace fabgate;

namespace {
struct NullOutputs final : Outputs {
    bool relay = false;
    void set_relay(bool on) override { relay = on; }
    void set_after_run(bool) override {}
    void indicate(Signal) override {}
};
}  // namespace

TEST_CASE("an interlock already open while the hardware starts leaves the gate in fault") {
    log::set_threshold(log::Level::Error);
    char dir[] = "/tmp/fabgate-app-XXXXXX";
    REQUIRE(mkdtemp(dir));
    auto config = load_gate_config_text(embedded_demo_config()).value();
    config.journal = std::string(dir) + "/journal.db";
    config.broker.port = 1;  // nobody there: offline
    EventLoop loop;
    FakeClock clock;
    Uuid7Ids ids(clock);
    GateApp gate(loop, clock, ids, config,
                 [](const GateConfig&, EventLoop&, HardwareEvents& events, const Clock&) {
                     events.input_changed(InputKind::Interlock, "lid", true);
                     events.device_fault("reader", true, "not plugged in");
                     return Result<std::unique_ptr<Outputs>>(std::make_unique<NullOutputs>());
                 });
    REQUIRE(gate.start());
    auto st = gate.machine().status();
    CHECK(st.state == MachineState::Fault);
    CHECK(st.detail == "lid open; badge reader lost");
    for (const char* suffix : {"/journal.db", "/journal.db-wal", "/journal.db-shm"})
        unlink((std::string(dir) + suffix).c_str());
    rmdir(dir);
}

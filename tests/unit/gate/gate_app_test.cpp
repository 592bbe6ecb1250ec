#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "sys/log.hpp"
#include "sys/session_ids.hpp"
#include "test_support.hpp"

using namespace fabgate;
using fabgate::test::AppRig;
using fabgate::test::NullOutputs;
using namespace std::chrono_literals;

namespace {
// The disk is "full" while it lives: no file of this process may grow (RLIMIT_FSIZE), and the
// write that tries fails with EFBIG instead of raising SIGXFSZ.
class FullDisk {
  public:
    FullDisk() {
        REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_) == 0);
        old_handler_ = signal(SIGXFSZ, SIG_IGN);
        rlimit none = saved_;
        none.rlim_cur = 0;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &none) == 0);
    }
    ~FullDisk() { free_space(); }
    void free_space() {
        if (freed_) return;
        freed_ = true;
        setrlimit(RLIMIT_FSIZE, &saved_);
        signal(SIGXFSZ, old_handler_);
    }

  private:
    rlimit saved_{};
    sighandler_t old_handler_ = SIG_DFL;
    bool freed_ = false;
};

}  // namespace

TEST_CASE("a full disk at start: the gate runs in fault, relay off, and recovers by itself") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();
    {
        // A session the power cut left open: recovering it must write to the journal.
        auto journal = Journal::open(rig.journal());
        REQUIRE(journal);
        SessionRecord open;
        open.id = "019364c1-8a2b-7c3d-9e4f-0a1b2c3d4e5f";
        open.site = "lab";
        open.machine = "laser-1";
        open.uid = "A1";
        open.member = "alice";
        open.started_at = rig.clock.wall().unix_ms - 60'000;
        open.ended_at = open.started_at;
        REQUIRE(journal->session_opened(open));
    }
    GateTuning tuning;
    tuning.journal_retry = std::chrono::milliseconds(20);
    FullDisk disk;
    rig.start(tuning);  // REQUIREs that start() succeeds: the gate does not exit
    CHECK(rig.gate->machine().status().state == MachineState::Fault);
    CHECK(rig.gate->machine().status().detail == "journal lost");
    CHECK_FALSE(rig.outputs->relay);
    rig.badge();
    CHECK_FALSE(rig.outputs->relay);                    // refused: nothing could record the session
    for (int i = 0; i < 5; ++i) rig.loop.run_once(30);  // retries on a full disk change nothing
    CHECK(rig.gate->machine().status().state == MachineState::Fault);

    disk.free_space();
    for (int i = 0; i < 20 && rig.gate->machine().status().state == MachineState::Fault; ++i)
        rig.loop.run_once(50);
    CHECK(rig.gate->machine().status().state == MachineState::Idle);
    CHECK_FALSE(rig.outputs->relay);
    CHECK(rig.gate->journal().outbox_size().value_or(-1) == 1);  // the interrupted session
    CHECK(rig.gate->machine().access_list() != nullptr);         // the cached list, loaded late
    rig.badge();
    CHECK(rig.outputs->relay);
}

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

TEST_CASE("a reload that needs new wiring is refused; the running job is not cut") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.write_config(R"({"interlocks": [{"name": "lid", "line": 1}]})", "{}");
    rig.seed_access_list();
    rig.start();
    rig.badge();
    REQUIRE(rig.outputs->relay);

    // Someone adds a busy input and a 5-minute idle timeout, then sends SIGHUP.
    rig.write_config(R"({"busy": {"line": 0}, "interlocks": [{"name": "lid", "line": 1}]})",
                     R"({"idle_timeout_s": 300, "idle_warning_s": 60})");
    rig.gate->reload();
    rig.advance_s(3600);
    CHECK(rig.outputs->relay);
    CHECK(rig.gate->machine().status().state == MachineState::InUse);

    // Refused means the old config stays for the next session too.
    rig.badge();  // badge out
    REQUIRE_FALSE(rig.outputs->relay);
    rig.badge();
    REQUIRE(rig.outputs->relay);
    rig.advance_s(3600);
    CHECK(rig.outputs->relay);
}

TEST_CASE("a reloaded policy applies from the next session, never to the running one") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();
    rig.start();
    rig.badge();
    REQUIRE(rig.outputs->relay);

    rig.write_config(R"({"interlocks": []})", R"({"max_session_s": 600, "idle_warning_s": 60})");
    rig.gate->reload();
    rig.advance_s(1200);
    CHECK(rig.outputs->relay);  // started without a limit, keeps running without one

    rig.badge();  // badge out
    rig.badge();  // a new session, under the reloaded policy
    REQUIRE(rig.outputs->relay);
    rig.advance_s(601);
    CHECK_FALSE(rig.outputs->relay);
}

TEST_CASE("the last will says when the gate last connected and which list it held") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.broker_port = broker.port();
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();
    rig.clock.advance(5000);
    auto connected_at = rig.clock.wall().unix_ms;
    rig.start();
    test::TestClient watcher(broker.port(), "watcher");
    watcher.subscribe("fabgate/lab/machines/laser-1/state");
    REQUIRE(watcher.connect());
    REQUIRE(test::wait_until(
        rig.loop, [&] { return rig.gate->broker_connected(); }, 5s));
    rig.clock.advance(60'000);  // time passes; the will was fixed at the connection

    // Another client taking the gate's id drops it without a DISCONNECT: the will goes out.
    test::TestClient usurper(broker.port(), "gate-laser-1");
    REQUIRE(usurper.connect());
    auto offline = [&] {
        for (const auto& h : watcher.on("fabgate/lab/machines/laser-1/state"))
            if (h.payload.find("\"offline\"") != std::string::npos) return h.payload;
        return std::string();
    };
    REQUIRE(watcher.wait([&] { return !offline().empty(); }));
    auto status = decode_status(offline());
    REQUIRE(status);
    CHECK(status->state == MachineState::Offline);
    CHECK(status->since == connected_at);
    CHECK(status->acl_version == 3);
    CHECK(status->detail == "gate disconnected");
}

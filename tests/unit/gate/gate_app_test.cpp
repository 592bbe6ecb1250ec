#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "core/ack_wire.hpp"
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

namespace {

std::vector<std::int64_t> powered_ms(const std::vector<SessionRecord>& sessions) {
    std::vector<std::int64_t> out;
    for (const auto& s : sessions) out.push_back(s.powered_ms);
    return out;
}

std::string ack_for(const AppRig& rig, const std::vector<SessionRecord>& sessions) {
    SignedAck ack{"lab", "laser-1", rig.clock.wall().unix_ms, {}};
    for (const auto& s : sessions) ack.ids.push_back(s.id);
    return encode_ack_body(ack);
}

// Bob's badge B2 in a list of `version` for `machine`.
AccessList list_with_bob(const AppRig& rig, std::int64_t version, std::string machine = "laser-1") {
    AccessList list;
    list.site = "lab";
    list.machine = std::move(machine);
    list.version = version;
    list.generated_at = rig.clock.wall().unix_ms;
    AccessEntry bob;
    bob.member = "bob";
    bob.role = Role::User;
    list.entries[Uid::parse("B2").value()] = bob;
    return list;
}

}  // namespace

TEST_CASE("closed sessions go to the ledger in the order they ended, a window at a time") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.broker_port = broker.port();
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();
    test::LedgerSide ledger(broker.port());
    GateTuning tuning;
    tuning.outbox_window = 2;
    test::connect(rig, ledger, tuning);

    for (int minutes = 1; minutes <= 4; ++minutes) {
        rig.badge();
        rig.advance_s(60 * minutes);
        rig.badge();
    }
    REQUIRE(test::pump_until(rig, ledger, [&] { return ledger.sessions().size() >= 2; }));
    // Given every chance, the window holds: nothing more goes out before an ack.
    test::pump_until(
        rig, ledger, [&] { return ledger.sessions().size() > 2; }, 50);
    REQUIRE(ledger.sessions().size() == 2);
    CHECK(powered_ms(ledger.sessions()) == std::vector<std::int64_t>{60'000, 120'000});

    REQUIRE(ledger.send("acks", ack_for(rig, ledger.sessions())));
    REQUIRE(test::pump_until(rig, ledger, [&] { return ledger.sessions().size() >= 4; }));
    CHECK(powered_ms(ledger.sessions()) ==
          std::vector<std::int64_t>{60'000, 120'000, 180'000, 240'000});
    CHECK(rig.gate->journal().outbox_size().value_or(-1) == 2);  // the acknowledged ones went
}

TEST_CASE("an access list is applied only if it is for this gate, current and newer") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.broker_port = broker.port();
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();  // version 3: Alice only
    test::LedgerSide ledger(broker.port());
    test::connect(rig, ledger);
    auto send_list = [&](const std::string& payload) {
        REQUIRE(ledger.send("acl", payload));
        test::sync(rig, ledger);
    };
    auto version = [&] { return rig.gate->machine().access_list()->version; };

    send_list(encode(list_with_bob(rig, 10, "laser-2")));
    CHECK(version() == 3);
    auto expired = list_with_bob(rig, 10);
    expired.valid_until = rig.clock.wall().unix_ms - 1;
    send_list(encode(expired));
    CHECK(version() == 3);
    send_list("{\"v\": 1, \"type\": \"acl\"");
    CHECK(version() == 3);
    rig.badge("B2");
    CHECK_FALSE(rig.outputs->relay);

    send_list(encode(list_with_bob(rig, 4)));
    CHECK(version() == 4);
    rig.badge("B2");
    CHECK(rig.outputs->relay);
    rig.badge("B2");

    auto older = list_with_bob(rig, 2);
    older.entries.clear();
    send_list(encode(older));
    CHECK(version() == 4);
    rig.badge("B2");
    CHECK(rig.outputs->relay);
    rig.badge("B2");

    // The list in force was cached: a restart decides from it before the broker is back.
    rig.gate.reset();
    broker.stop();
    rig.start();
    CHECK(version() == 4);
}

TEST_CASE("commands lock, unlock and end a session, each answered with a state") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.broker_port = broker.port();
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();
    test::LedgerSide ledger(broker.port());
    test::connect(rig, ledger);
    // Waits for the state that answers the command: it shows `expected`.
    auto command = [&](CommandKind kind, MachineState expected) {
        auto heard = ledger.states().size();
        REQUIRE(ledger.send("commands", encode(Command{kind, "maria", "new tube"})));
        REQUIRE(test::pump_until(rig, ledger, [&] {
            return ledger.states().size() > heard && ledger.states().back().state == expected;
        }));
        return ledger.states().back();
    };

    auto locked = command(CommandKind::Lock, MachineState::Maintenance);
    CHECK(locked.state == MachineState::Maintenance);
    CHECK(locked.locked);
    rig.badge();
    CHECK_FALSE(rig.outputs->relay);

    CHECK_FALSE(command(CommandKind::Unlock, MachineState::Idle).locked);
    rig.badge();
    REQUIRE(rig.outputs->relay);

    command(CommandKind::EndSession, MachineState::Idle);
    CHECK_FALSE(rig.outputs->relay);
    REQUIRE(test::pump_until(rig, ledger, [&] { return !ledger.sessions().empty(); }));
    CHECK(ledger.sessions().front().end_reason == EndReason::Remote);
    CHECK(ledger.sessions().front().ended_by == "maria");

    // A command that does not parse changes nothing; the next one is handled as usual.
    REQUIRE(ledger.send("commands", R"({"v": 1, "type": "command", "command": "explode"})"));
    CHECK(command(CommandKind::Lock, MachineState::Maintenance).detail.find("new tube") !=
          std::string::npos);
}

TEST_CASE("a reload of a broken config file keeps the policy in force") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    rig.write_config(R"({"interlocks": []})", R"({"max_session_s": 600, "idle_warning_s": 60})");
    rig.seed_access_list();
    rig.start();

    std::ofstream(rig.config_path) << R"({"site": "lab", "machine": )";
    rig.gate->reload();
    rig.badge();
    REQUIRE(rig.outputs->relay);
    rig.advance_s(601);
    CHECK_FALSE(rig.outputs->relay);  // the 10-minute limit still holds
}

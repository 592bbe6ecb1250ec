#pragma once
// A gate on a config file in its own directory, on fake outputs and a fake clock, for the
// GateApp tests.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "gate/gate_app.hpp"
#include "sys/session_ids.hpp"
#include "test_support.hpp"

namespace fabgate::test {

struct NullOutputs final : Outputs {
    bool relay = false;
    void set_relay(bool on) override { relay = on; }
    void set_after_run(bool) override {}
    void indicate(Indication) override {}
};

// A gate on a config file in its own directory, offline (no broker), on fake hardware.
struct AppRig {
    std::filesystem::path dir;
    std::string config_path;
    EventLoop loop;
    FakeClock clock;
    Uuid7Ids ids{clock};
    NullOutputs* outputs = nullptr;
    std::unique_ptr<GateApp> gate;

    AppRig() {
        char tmpl[] = "/tmp/fabgate-app-XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        config_path = (dir / "gate.json").string();
    }
    ~AppRig() {
        gate.reset();
        std::filesystem::remove_all(dir);
    }
    std::string journal() const { return (dir / "journal.db").string(); }

    int broker_port = 1;  // nobody there: offline

    void write_config(const std::string& inputs, const std::string& policy) {
        std::ofstream(config_path) << R"({"site": "lab", "machine": "laser-1",
            "broker": {"host": "127.0.0.1", "client_id": "gate-laser-1", "port": )"
                                   << broker_port << R"(}, "journal": ")" << journal() << R"(",
            "insecure_unsigned_acl": true,
            "hardware": {"kind": "sim", "reader": {"type": "sim"}, "inputs": )"
                                   << inputs << R"(}, "policy": )" << policy << "}";
    }
    // Alice's badge A1 is in the cached access list.
    void seed_access_list() {
        auto journal_db = Journal::open(journal());
        REQUIRE(journal_db);
        AccessList list;
        list.site = "lab";
        list.machine = "laser-1";
        list.version = 3;
        list.generated_at = clock.wall().unix_ms - 1000;
        AccessEntry alice;
        alice.member = "alice";
        alice.name = "Alice";
        alice.role = Role::User;
        list.entries[Uid::parse("A1").value()] = alice;
        REQUIRE(journal_db->store_access_list(3, encode(list)));
    }
    void start(GateTuning tuning = {}) {
        auto config = load_gate_config_file(config_path);
        REQUIRE(config);
        gate = std::make_unique<GateApp>(
            loop, clock, ids, *config,
            [this](const GateConfig&, EventLoop&, HardwareEvents&, const Clock&) {
                auto made = std::make_unique<NullOutputs>();
                outputs = made.get();
                return Result<std::unique_ptr<Outputs>>(std::move(made));
            },
            config_path, tuning);
        REQUIRE(gate->start());
    }
    void badge(const char* uid = "A1") { gate->badge_presented(Uid::parse(uid).value()); }
    void advance_s(int seconds) {
        clock.advance(seconds * 1000);
        gate->machine().tick();
    }
};

// The journal at `path` as the next start finds it: its one closed session, and nothing left
// open for that start to bill as a power loss.
inline SessionRecord only_closed_session(const std::string& path) {
    auto journal = Journal::open(path);
    REQUIRE(journal);
    CHECK(journal->close_interrupted().value().empty());
    auto outbox = journal->outbox(0, 10).value();
    REQUIRE(outbox.size() == 1);
    return decode_session(outbox.front().payload).value();
}

// The ledger's and fabctl's side of the broker: hears what the gate publishes and sends what
// they send, on the gate's own topics.
struct LedgerSide {
    explicit LedgerSide(int port) : client(port, "ledger-side") {
        client.subscribe(topics::machine("lab", "laser-1", "state"));
        client.subscribe(topics::machine("lab", "laser-1", "sessions"));
    }
    TestClient client;

    static std::string topic(std::string_view leaf) {
        return topics::machine("lab", "laser-1", leaf);
    }
    bool send(std::string_view leaf, const std::string& payload) {
        return client.publish(topic(leaf), payload);
    }
    std::vector<SessionRecord> sessions() const {
        std::vector<SessionRecord> out;
        for (const auto& heard : client.on(topic("sessions")))
            out.push_back(decode_session(heard.payload).value());
        return out;
    }
    std::vector<MachineStatus> states() const {
        std::vector<MachineStatus> out;
        for (const auto& heard : client.on(topic("state")))
            out.push_back(decode_status(heard.payload).value());
        return out;
    }
};

// Runs the gate's loop and the ledger side's in turn until `done`, or about ten seconds.
inline bool pump_until(AppRig& rig, LedgerSide& ledger, const std::function<bool()>& done,
                       int rounds = 500) {
    for (int i = 0; i < rounds; ++i) {
        if (done()) return true;
        rig.loop.run_once(10);
        ledger.client.pump(std::chrono::milliseconds(10));
    }
    return done();
}

// A gate connected to a broker, and the ledger side listening, with the gate's subscriptions
// in place: the broker has its first state, sent after it subscribed.
inline void connect(AppRig& rig, LedgerSide& ledger, GateTuning tuning = {}) {
    REQUIRE(ledger.client.connect());
    rig.start(tuning);
    REQUIRE(pump_until(rig, ledger, [&] { return !ledger.states().empty(); }));
}

// Returns once the gate has handled every message sent before: a lock with a unique reason and
// an unlock go after them, and the ledger side hears the unlocked state that follows the lock.
// Use it with no session running (a lock may not wait for one).
inline void sync(AppRig& rig, LedgerSide& ledger) {
    static int round = 0;
    std::string mark = "sync " + std::to_string(++round);
    REQUIRE(ledger.send("commands", encode(Command{CommandKind::Lock, "test", mark})));
    REQUIRE(ledger.send("commands", encode(Command{CommandKind::Unlock, "test", ""})));
    REQUIRE(pump_until(rig, ledger, [&] {
        bool marked = false;
        for (const auto& state : ledger.states()) {
            if (state.detail.find(mark) != std::string::npos)
                marked = true;
            else if (marked && !state.locked)
                return true;
        }
        return false;
    }));
}

}  // namespace fabgate::test

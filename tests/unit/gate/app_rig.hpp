#pragma once
// A gate on a config file in its own directory, on fake outputs and a fake clock, for the
// GateApp tests.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "gate/gate_app.hpp"
#include "sys/session_ids.hpp"

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
    void badge() { gate->badge_presented(Uid::parse("A1").value()); }
    void advance_s(int seconds) {
        clock.advance(seconds * 1000);
        gate->machine().tick();
    }
};

}  // namespace fabgate::test

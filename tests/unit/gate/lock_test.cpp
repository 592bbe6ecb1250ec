// A maintenance lock survives a gate restart (the journal) and a lost journal (the access
// list carries the ledger's lock), and the newer of the two decides.
#include <unistd.h>

#include <filesystem>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "core/messages.hpp"
#include "gate/gate_app.hpp"
#include "sys/log.hpp"
#include "sys/session_ids.hpp"

using namespace fabgate;

namespace {

struct RelayOutputs final : Outputs {
    bool relay = false;
    void set_relay(bool on) override { relay = on; }
    void set_after_run(bool) override {}
    void indicate(Indication) override {}
};

const Uid kAlice = Uid::parse("04A1B2C3").value();       // user
const Uid kMaintainer = Uid::parse("04D4E5F6").value();  // maintainer

// A gate on simulated hardware, offline (nothing listens on port 1), with its journal in `dir`.
struct Rig {
    std::filesystem::path dir;
    GateConfig config;
    EventLoop loop;
    FakeClock clock;
    Uuid7Ids ids{clock};
    RelayOutputs* outputs = nullptr;
    std::unique_ptr<GateApp> gate;

    explicit Rig(std::filesystem::path where) : dir(std::move(where)) {
        log::set_threshold(log::Level::Error);
        config = load_gate_config_text(embedded_demo_config()).value();
        config.journal = (dir / "journal.db").string();
        config.broker.port = 1;
    }
    ~Rig() { stop(); }

    void start() {
        gate = std::make_unique<GateApp>(
            loop, clock, ids, config,
            [this](const GateConfig&, EventLoop&, HardwareEvents&, const Clock&) {
                auto made = std::make_unique<RelayOutputs>();
                outputs = made.get();
                return Result<std::unique_ptr<Outputs>>(std::move(made));
            });
        REQUIRE(gate->start());
    }
    void stop() {
        if (gate) gate->machine().shutdown();
        gate.reset();
    }
    void restart() {
        stop();
        start();
    }

    AccessList list(std::int64_t version, std::optional<MaintenanceLock> lock = {}) const {
        AccessList l;
        l.site = config.site;
        l.machine = config.machine;
        l.version = version;
        l.generated_at = clock.wall().unix_ms - 1000;
        l.maintenance = std::move(lock);
        AccessEntry alice{"m-1", "Alice", false, std::nullopt, Role::User, std::nullopt};
        AccessEntry max{"m-2", "Max", false, std::nullopt, Role::Maintainer, std::nullopt};
        l.entries[kAlice] = alice;
        l.entries[kMaintainer] = max;
        return l;
    }
    // As the broker delivers it: cached in the journal and applied.
    void receive(const AccessList& l) {
        auto payload = encode(l);
        REQUIRE(gate->journal().store_access_list(l.version, payload));
        gate->machine().set_access_list(std::make_shared<AccessList>(l));
    }
    bool admits(const Uid& uid) {
        bool granted = gate->machine().badge(uid).granted;
        if (granted) gate->machine().badge(uid);  // badge out again
        return granted;
    }
    bool locked() const { return gate->machine().status().locked; }
};

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/fabgate-lock-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("a machine locked by command is still locked after the gate restarts") {
    TempDir dir;
    Rig rig(dir.path);
    rig.start();
    rig.receive(rig.list(1));
    REQUIRE(rig.admits(kAlice));
    rig.gate->machine().command({CommandKind::Lock, "maria", "new lens"});
    CHECK_FALSE(rig.admits(kAlice));

    rig.restart();
    CHECK(rig.locked());
    CHECK(rig.gate->machine().status().state == MachineState::Maintenance);
    CHECK(rig.gate->machine().status().detail == "locked by maria: new lens");
    CHECK_FALSE(rig.admits(kAlice));
    CHECK_FALSE(rig.outputs->relay);
    CHECK(rig.admits(kMaintainer));  // maintainers may still use it

    rig.gate->machine().command({CommandKind::Unlock, "maria", ""});
    rig.restart();
    CHECK_FALSE(rig.locked());
    CHECK(rig.admits(kAlice));
}

TEST_CASE("an access list carrying the ledger's lock locks the machine and ends a user's session") {
    TempDir dir;
    Rig rig(dir.path);
    rig.start();
    rig.receive(rig.list(1));
    REQUIRE(rig.gate->machine().badge(kAlice).granted);
    rig.receive(rig.list(2, MaintenanceLock{"maria", "belt check", 1'767'225'600'000}));
    CHECK_FALSE(rig.outputs->relay);
    CHECK(rig.locked());
    CHECK(rig.gate->machine().status().detail == "locked by maria: belt check");
    CHECK_FALSE(rig.admits(kAlice));
    CHECK(rig.admits(kMaintainer));

    SUBCASE("a newer list without the lock unlocks it") {
        rig.receive(rig.list(3));
        CHECK_FALSE(rig.locked());
        CHECK(rig.admits(kAlice));
        rig.restart();
        CHECK_FALSE(rig.locked());
    }
    SUBCASE("an unlock command clears it") {
        rig.gate->machine().command({CommandKind::Unlock, "maria", ""});
        CHECK(rig.admits(kAlice));
        rig.restart();  // the journal says unlocked, newer than the cached locked list
        CHECK_FALSE(rig.locked());
        CHECK(rig.admits(kAlice));
    }
}

TEST_CASE("a journal that lost its lock record comes up locked from the cached list") {
    TempDir dir;
    Rig rig(dir.path);
    rig.start();
    rig.receive(rig.list(4, MaintenanceLock{"maria", "", 1'767'225'600'000}));
    rig.stop();
    {
        // A journal from before locks were kept: the list is cached, the lock row is not.
        auto journal = Journal::open(rig.config.journal).value();
        REQUIRE(journal.load_lock().value().has_value());
    }
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(rig.config.journal.c_str(), &raw) == SQLITE_OK);
        CHECK(sqlite3_exec(raw, "DELETE FROM maintenance_lock", nullptr, nullptr, nullptr) ==
              SQLITE_OK);
        sqlite3_close(raw);
    }
    rig.start();
    CHECK(rig.locked());
    CHECK_FALSE(rig.admits(kAlice));
}

TEST_CASE("a command lock newer than the cached list survives a restart") {
    TempDir dir;
    Rig rig(dir.path);
    rig.start();
    rig.receive(rig.list(5));  // cached, unlocked
    rig.gate->machine().command({CommandKind::Lock, "maria", "smoke"});
    rig.restart();
    CHECK(rig.locked());  // the cached list, older than the command, does not unlock it
    CHECK_FALSE(rig.admits(kAlice));
}

// A grant or revocation is a safety event: every manager change must reach the gate within
// 2 s (docs/fabctl.md), however the commits interleave with the ledger's rebuilds.
#include <doctest/doctest.h>

#include "acl_change_burst.hpp"
#include "core/topics.hpp"
#include "ledger_harness.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using namespace fabgate::ledger_test;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

// How long after a gate shows one change the next is made: 0 to 40 ms. A manager (or a
// script) reacting to the gate lands the next commit while the ledger is still recording and
// publishing the other machines' lists, the moment a change is easiest to lose.
Ms gap_before(std::size_t n) {
    return Ms(static_cast<long>(n * 37 % 41));
}

}  // namespace

TEST_CASE(
    "50 rights, member and badge changes in quick succession each reach the gate within 2 s") {
    TempDir dir;
    Broker broker(dir);
    REQUIRE(broker.up());
    auto db_path = dir.file("ledger.db");
    AclChangeBurst burst;
    {
        auto db = LedgerDb::open(db_path);
        REQUIRE(db);
        // A lab's worth of machines: a rebuild records and publishes one list each, which
        // gives the manager's commits time to land while it runs.
        for (int n = 0; n < 30; ++n) {
            auto id =
                n == 0 ? std::string(AclChangeBurst::kMachine) : "machine-" + std::to_string(n);
            REQUIRE(db->machines().upsert({"lab", id, id, std::nullopt}, "test", kT0));
        }
        REQUIRE(burst.prepare(*db, kT0));
    }
    // No periodic rebuild during the test: only the change detection can deliver.
    auto config = dir.file("ledger.json");
    std::ofstream(config) << R"({"database": ")" << db_path
                          << R"(", "broker": {"host": "127.0.0.1", "port": )" << broker.port()
                          << R"(}, "acl_refresh_s": 3600, "busy_timeout_ms": 5000})";
    Child ledger({FABLEDGER_BIN, "--config", config}, dir.file("fabledger.log"));

    Client gate(broker.port(), "gate-laser-1");
    std::int64_t version = 0;
    gate.on_message([&](std::string_view, std::string_view payload, bool) {
        auto snap = decode_access_list(payload);
        REQUIRE(snap);
        version = snap->list.version;
        burst.observe(snap->list);
    });
    REQUIRE(gate.run_until([&] { return gate.link().connected(); }, Ms(5000)));
    gate.link().subscribe(topics::machine("lab", AclChangeBurst::kMachine, "acl"), 1);
    REQUIRE(gate.run_until([&] { return version >= 1; }, Ms(10'000)));

    auto fabctl = LedgerDb::open(db_path);  // fabctl's own connection
    REQUIRE(fabctl);
    for (std::size_t n = 0; n < burst.size(); ++n) {
        gate.run_for(gap_before(n));
        REQUIRE(burst.make(n, *fabctl, kT0 + 1000 + static_cast<UnixMs>(n)));
        // Past 2 s it is late whatever happens next; the next change would carry it along.
        gate.run_until([&] { return burst.seen(n); }, Ms(2500));
    }
    MESSAGE("slowest change reached the gate after " << burst.slowest_ms() << " ms");
    auto late = burst.late(Ms(2000));
    for (const auto& line : late) MESSAGE(line);
    CHECK(late.empty());
    ledger.send(SIGTERM);
    CHECK(ledger.wait_exit(Ms(5000)) == 0);
}

// `fabctl machines remove` takes a machine out of the ledger; its gate, still wired to the
// relay, must stop admitting on the list it was last sent, or a member suspended afterwards
// would keep using it for the list's whole validity (7 days).
#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_harness.hpp"
#include "ledger_seed.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using namespace fabgate::ledger_test;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

}  // namespace

TEST_CASE("a removed machine's gate is sent a list admitting nobody, and its list comes back") {
    AliceAndLaserLab lab(kT0);
    auto db = *LedgerDb::open(lab.db_path);
    Right right;
    right.member_id = "m-1";
    right.target = "laser-1";
    right.role = Role::User;
    REQUIRE(db.rights().grant(right, "fabctl:bob", kT0));
    // No periodic rebuild during the test: only the change detection can deliver.
    auto config = lab.dir.file("ledger.json");
    std::ofstream(config) << R"({"database": ")" << lab.db_path
                          << R"(", "broker": {"host": "127.0.0.1", "port": )" << lab.broker.port()
                          << R"(}, "acl_refresh_s": 3600})";
    Child ledger({FABLEDGER_BIN, "--config", config}, lab.dir.file("fabledger.log"));

    Client gate(lab.broker.port(), "gate-laser-1");
    std::optional<AccessList> in_force;
    gate.on_message([&](std::string_view, std::string_view payload, bool) {
        auto snap = decode_access_list(payload);
        REQUIRE(snap);
        // What a gate takes: only a higher version replaces the list in force.
        if (!in_force || snap->list.version > in_force->version) in_force = snap->list;
    });
    REQUIRE(gate.run_until([&] { return gate.link().connected(); }, Ms(5000)));
    gate.link().subscribe(topics::machine("lab", "laser-1", "acl"), 1);
    auto alice = Uid::parse("04A1B2C3").value();
    auto alice_admitted = [&] { return in_force && in_force->find(alice) != nullptr; };
    REQUIRE(gate.run_until(alice_admitted, Ms(10'000)));

    REQUIRE(db.machines().remove("lab", "laser-1", "fabctl:bob", kT0 + 1));
    bool withdrawn = gate.run_until([&] { return !alice_admitted(); }, Ms(10'000));
    std::int64_t version_in_force = in_force ? in_force->version : 0;
    CAPTURE(version_in_force);
    CHECK(withdrawn);

    // A late gate (or one whose journal was wiped) gets the same from the retained copy.
    Client late(lab.broker.port(), "gate-laser-1-late");
    std::optional<AccessList> retained;
    late.on_message([&](std::string_view, std::string_view payload, bool) {
        if (auto snap = decode_access_list(payload)) retained = snap->list;
    });
    REQUIRE(late.run_until([&] { return late.link().connected(); }, Ms(5000)));
    late.link().subscribe(topics::machine("lab", "laser-1", "acl"), 1);
    REQUIRE(late.run_until([&] { return retained.has_value(); }, Ms(5000)));
    std::size_t retained_entries = retained->entries.size();
    CHECK(retained_entries == 0);

    // Registered again, the machine's gate takes its list again: the version goes on upwards.
    REQUIRE(
        db.machines().upsert({"lab", "laser-1", "laser-1", std::nullopt}, "fabctl:bob", kT0 + 2));
    CHECK(gate.run_until(alice_admitted, Ms(10'000)));
}

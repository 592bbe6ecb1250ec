#pragma once
// The smallest ledger a gate gets a list from: machine lab/laser-1, member m-1 (Alice) holding
// badge 04A1B2C3, without any right.
#include <string>

#include <doctest/doctest.h>

#include "ledger/ledger_db.hpp"
#include "ledger_harness.hpp"

namespace fabgate::ledger_test {

inline void seed_alice_and_laser(const std::string& db_path, UnixMs at) {
    auto db = ledger::LedgerDb::open(db_path);
    REQUIRE(db);
    REQUIRE(db->machines().upsert({"lab", "laser-1", "laser-1", std::nullopt}, "test", at));
    ledger::Member m;
    m.id = "m-1";
    m.name = "Alice";
    REQUIRE(db->members().add(m, "test", at));
    REQUIRE(db->badges().assign("04A1B2C3", "m-1", "", "test", at));
}

// That lab in a fresh directory, beside a private broker: what a test starting fabledger needs.
struct AliceAndLaserLab {
    explicit AliceAndLaserLab(UnixMs at) {
        REQUIRE(broker.up());
        seed_alice_and_laser(db_path, at);
    }
    TempDir dir;
    Broker broker{dir};
    std::string db_path = dir.file("ledger.db");
};

}  // namespace fabgate::ledger_test

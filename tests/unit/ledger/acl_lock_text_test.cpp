// A maintenance lock travels in the machine's access list, and a gate refuses a whole list with a
// string longer than it parses: the lock's text must always fit, whatever a manager wrote.
#include <doctest/doctest.h>

#include "core/acl_wire.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

TEST_CASE("a lock's long reason is cut to what a gate parses, never inside a character") {
    constexpr UnixMs kT0 = 1'767'225'600'000;
    test::TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    Machine laser{"lab", "laser-1", "Laser", std::nullopt};
    REQUIRE(db->machines().upsert(laser, "test", kT0));
    std::string reason;
    for (int n = 0; n < 100; ++n) reason += "\xE2\x82\xAC";  // 100 euro signs, 300 bytes
    REQUIRE(db->machines().set_lock("lab", "laser-1", MaintenanceLock{"maria", reason, kT0}, "test",
                                    kT0));

    auto list = db->access_lists().build(laser, kT0);
    REQUIRE(list);
    list->version = 1;  // given by the ledger as it publishes
    auto parsed = parse_access_list_body(signed_content(*list));
    REQUIRE_MESSAGE(parsed, parsed.error().message());
    REQUIRE(parsed->maintenance);
    std::string kept = parsed->maintenance->reason;
    CHECK(kept.size() == 255);  // 85 whole signs: the 86th would end past byte 256
    CHECK(reason.starts_with(kept));
}

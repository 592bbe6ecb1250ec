// The hourly reissue of an unchanged list must not grow acl_versions by 24 rows a day per machine:
// a reissue replaces the row it renews, and a migration removes those left from before. What is
// read from the table (the latest version, its time and content) stays right.
#include <doctest/doctest.h>

#include <algorithm>
#include <span>

#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "ledger_test_support.hpp"
#include "old_schema.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;
constexpr UnixMs kHour = 3'600'000;

std::vector<std::pair<std::int64_t, std::string>> versions(db::Database& db) {
    auto st = db.prepare(
        "SELECT version, content_hash FROM acl_versions WHERE site = 'lab' AND machine = "
        "'laser-1' ORDER BY version");
    REQUIRE(st);
    std::vector<std::pair<std::int64_t, std::string>> rows;
    while (st->step().value_or(false)) rows.emplace_back(st->int64(0), st->text(1));
    return rows;
}

}  // namespace

TEST_CASE("a day of hourly reissues of an unchanged list keeps one row, the latest") {
    test::TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    auto& lists = db->access_lists();
    for (std::int64_t v = 1; v <= 25; ++v)
        REQUIRE(lists.record({"lab", "laser-1", v, "content-a", kT0 + (v - 1) * kHour, 3}));
    using Rows = std::vector<std::pair<std::int64_t, std::string>>;
    CHECK(versions(db->database()) == Rows{{25, "content-a"}});
    auto latest = lists.latest("lab", "laser-1");
    REQUIRE(latest);
    REQUIRE(*latest);
    CHECK((*latest)->published_at == kT0 + 24 * kHour);  // the freshness the next reissue reads

    // A content change is history: kept, and its own reissues replace only its row.
    REQUIRE(lists.record({"lab", "laser-1", 26, "content-b", kT0 + 25 * kHour, 2}));
    REQUIRE(lists.record({"lab", "laser-1", 27, "content-b", kT0 + 26 * kHour, 2}));
    REQUIRE(lists.record({"lab", "laser-1", 28, "content-a", kT0 + 27 * kHour, 3}));
    CHECK(versions(db->database()) ==
          Rows{{25, "content-a"}, {27, "content-b"}, {28, "content-a"}});
    // Versions still never go down, also not onto a number a removed reissue had.
    CHECK_FALSE(lists.record({"lab", "laser-1", 27, "content-a", kT0 + 28 * kHour, 3}));
}

TEST_CASE("the migration removes the reissue rows a ledger collected before it") {
    test::TempDir dir;
    auto path = dir.file("ledger.db");
    auto before_prune = test::migrations_before(kSchemaAclReissuePrune);
    REQUIRE(before_prune.size() < kMigrations.size());
    {
        db::OpenOptions o;
        o.application_id = kLedgerApplicationId;
        o.application_name = "FabGate ledger";
        o.migrations = before_prune;
        auto old = db::Database::open(path, o);
        REQUIRE(old);
        // Runs of one content: a, a, a | b | a, a; another machine's rows are its own.
        REQUIRE(old->exec(
            "INSERT INTO acl_versions(site, machine, version, content_hash, published_at, "
            "entries) VALUES ('lab', 'laser-1', 1, 'a', 1, 1), ('lab', 'laser-1', 2, 'a', 2, 1), "
            "('lab', 'laser-1', 3, 'a', 3, 1), ('lab', 'laser-1', 4, 'b', 4, 1), "
            "('lab', 'laser-1', 5, 'a', 5, 1), ('lab', 'laser-1', 6, 'a', 6, 1), "
            "('lab', 'mill', 1, 'a', 1, 1), ('lab', 'mill', 2, 'a', 2, 1);"));
    }
    auto db = LedgerDb::open(path);
    REQUIRE(db);
    using Rows = std::vector<std::pair<std::int64_t, std::string>>;
    CHECK(versions(db->database()) == Rows{{3, "a"}, {4, "b"}, {6, "a"}});
    auto mill = db->access_lists().latest("lab", "mill");
    REQUIRE(mill);
    REQUIRE(*mill);
    CHECK((*mill)->version == 2);
}

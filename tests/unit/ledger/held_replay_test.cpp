// A replay that cannot take a held session says why as of now, and never keeps one held that no
// fix can bring back.
#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

void deliver(LedgerDb& db, const SessionRecord& s) {
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", s.machine, "sessions"), encode(s)));
    REQUIRE(db.ingest().apply(batch, kT0));
}

// A priced lab where laser-1 is registered, in the lasers' group.
LedgerDb priced_lab(const test::TempDir& dir) {
    auto db = test::priced_lab(dir, kT0);
    REQUIRE(db.machines().upsert({"lab", "laser-1", "Laser", std::string("lasers")}, "t", kT0));
    return db;
}

}  // namespace

TEST_CASE("a replay that still cannot take a held session gives its reason as of now") {
    test::TempDir dir;
    auto db = priced_lab(dir);
    auto s = test::finished_session("id-h", kT0, 10, "laser-2");
    s.member = "m-9";
    deliver(db, s);
    REQUIRE(
        db.machines().upsert({"lab", "laser-2", "Laser 2", std::string("lasers")}, "t", kT0 + 1));
    auto replayed = db.ingest().replay_parked("t", kT0 + 2);
    REQUIRE(replayed);
    CHECK(replayed->still_held == 1);
    auto rows = db.ingest().ingest_errors();
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().state == "parked");
    CHECK(rows->front().reason.find("unknown member m-9") == 0);  // no longer "unknown machine"
}

TEST_CASE("a held session whose id was stored meanwhile with other content is refused, not held") {
    test::TempDir dir;
    auto db = priced_lab(dir);
    auto held = test::finished_session("id-c", kT0, 10, "laser-3");  // machine not registered
    deliver(db, held);
    auto other = test::finished_session("id-c", kT0, 20, "laser-1");
    deliver(db, other);
    REQUIRE(
        db.machines().upsert({"lab", "laser-3", "Laser 3", std::string("lasers")}, "t", kT0 + 1));
    auto replayed = db.ingest().replay_parked("t", kT0 + 2);
    REQUIRE(replayed);
    CHECK(replayed->still_held == 0);
    CHECK(db.ingest().parked_summary()->sessions == 0);
    CHECK(db.ingest().conflicts()->size() == 1);
}

// Conflicting copies of a stored session are evidence, kept under the same per-machine rate as
// refused payloads: a gate login resending ever-different copies cannot grow the database.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

void deliver(LedgerDb& db, const SessionRecord& s, UnixMs now) {
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", s.machine, "sessions"), encode(s)));
    REQUIRE(db.ingest().apply(batch, now));
}

std::int64_t with_payload(const std::vector<ConflictRow>& rows) {
    return std::count_if(rows.begin(), rows.end(),
                         [](const auto& r) { return !r.payload.empty(); });
}

}  // namespace

TEST_CASE("conflicting copies past the machine's rate keep only hash and size, and are counted") {
    test::TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    REQUIRE(db->machines().upsert({"lab", "laser-1", "Laser", std::nullopt}, "t", kT0));
    auto original = test::finished_session("id-x", kT0, 30, "laser-1");
    deliver(*db, original, kT0);

    const UnixMs minute = kT0 + 3'600'000;
    const std::int64_t sent = kRefusedStoredPerMinute + 5;
    for (std::int64_t n = 1; n <= sent; ++n) {
        auto forged = original;
        forged.powered_ms -= n * 1000;  // every copy different
        deliver(*db, forged, minute);
    }
    auto rows = db->ingest().conflicts(1000);
    REQUIRE(rows);
    CHECK(rows->size() == static_cast<std::size_t>(sent));  // one row per distinct payload
    CHECK(with_payload(*rows) == kRefusedStoredPerMinute);
    auto counts = db->ingest().refused_counts();
    REQUIRE(counts);
    REQUIRE(counts->size() == 1);
    CHECK((*counts)[0].machine == "laser-1");
    CHECK((*counts)[0].refused == sent);
    CHECK((*counts)[0].not_stored == 5);

    // A minute later the machine has its budget again.
    auto later = original;
    later.powered_ms = 1;
    deliver(*db, later, minute + 60'000);
    rows = db->ingest().conflicts(1);
    REQUIRE(rows);
    CHECK_FALSE(rows->front().payload.empty());
}

TEST_CASE("a minute's flood of 1,000 different 4 KiB conflicting copies keeps 10 payloads") {
    test::TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    REQUIRE(db->machines().upsert({"lab", "laser-1", "Laser", std::nullopt}, "t", kT0));
    auto original = test::finished_session("id-x", kT0, 30, "laser-1");
    original.ended_by = std::string(4000, 'x');  // each copy about 4 KiB on the wire
    deliver(*db, original, kT0);
    auto bytes = [&](const char* sql) {
        auto st = db->database().prepare(sql);
        REQUIRE(st);
        REQUIRE(*st->step());
        return st->int64(0);
    };
    const auto before = bytes(
        "SELECT page_count * page_size FROM pragma_page_count, "
        "pragma_page_size");
    IngestBatch flood;
    for (int n = 1; n <= 1000; ++n) {
        auto forged = original;
        forged.powered_ms -= n;
        flood.sessions.push_back(classify_session_message(
            topics::machine("lab", "laser-1", "sessions"), encode(forged)));
    }
    REQUIRE(db->ingest().apply(flood, kT0 + 3'600'000));
    const auto kept = bytes("SELECT sum(length(payload)) FROM session_conflicts");
    const auto grown =
        bytes("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size") - before;
    MESSAGE("1000 conflicting copies of " << encode(original).size() << " bytes: " << kept
                                          << " payload bytes kept, database grew " << grown
                                          << " bytes");
    CHECK(kept <= kRefusedStoredPerMinute * static_cast<std::int64_t>(kRefusedPayloadKeepBytes));
}

// Sessions keep their seq without AUTOINCREMENT's counter (kSchemaSessionsSeqWithoutCounter):
// after the migration a new session still comes after every closed batch, and since that holds
// only while no session is deleted, none can be; a ledger where one already was is not migrated.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "ledger_test_support.hpp"
#include "old_schema.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;
constexpr UnixMs kHour = 3'600'000;

// A ledger at the schema before the migration: three stored sessions, all billed in batch 1.
void write_billed_ledger(const std::string& path, bool delete_newest_by_hand) {
    auto old = test::open_ledger_before(path, kSchemaSessionsSeqWithoutCounter);
    REQUIRE(old);
    for (int n = 1; n <= 3; ++n) {
        auto st = old->prepare(
            "INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, "
            "clock_synced, powered_ms, end_reason, ended_by, payload_hash, received_at) "
            "VALUES(?1, 'lab', 'laser-1', '04A1B2C3', 'm-1', 'user', ?2, ?2 + 60000, 1, 60000, "
            "'badge_out', '', 'h', ?2)");
        REQUIRE(st);
        st->bind(1, "old-" + std::to_string(n)).bind(2, kT0 + n * kHour);
        REQUIRE(st->run());
    }
    REQUIRE(
        old->exec("INSERT INTO billing_batches(id, period_start, period_end, closed_at, closed_by, "
                  "seq_after, seq_through, sessions, late_sessions) VALUES(1, 0, " +
                  std::to_string(kT0 + 10 * kHour) + ", 0, 'manager', 0, 3, 3, 0)"));
    if (delete_newest_by_hand) REQUIRE(old->exec("DELETE FROM sessions WHERE id = 'old-3'"));
}

std::vector<std::string> seqs(LedgerDb& db) {
    std::vector<std::string> rows;
    auto st = db.database().prepare("SELECT id, seq FROM sessions ORDER BY seq");
    REQUIRE(st);
    while (st->step().value_or(false)) rows.push_back(st->text(0) + " " + st->text(1));
    return rows;
}

}  // namespace

TEST_CASE(
    "after the migration a late session still goes to the next batch, not a closed one, and no "
    "session can be deleted") {
    test::TempDir dir;
    auto path = dir.file("ledger.db");
    write_billed_ledger(path, false);
    auto db = LedgerDb::open(path);
    REQUIRE(db);
    CHECK(seqs(*db) == std::vector<std::string>{"old-1 1", "old-2 2", "old-3 3"});
    auto billed = db->reports().session("old-3");
    REQUIRE(billed);
    REQUIRE(*billed);
    CHECK((*billed)->batch_id == 1);

    // A session that ended inside batch 1's period, delivered after the close.
    REQUIRE(db->machines().upsert({"lab", "laser-1", "Laser", std::nullopt}, "t", kT0));
    auto late = test::finished_session("late", kT0 + 2 * kHour, 10, "laser-1");
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", "laser-1", "sessions"), encode(late)));
    auto summary = db->ingest().apply(batch, kT0 + 20 * kHour);
    REQUIRE(summary);
    REQUIRE(summary->stored == 1);
    auto stored = db->reports().session("late");
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK_FALSE((*stored)->batch_id.has_value());
    CHECK(seqs(*db).back() == "late 4");

    CHECK_FALSE(db->database().exec("DELETE FROM sessions WHERE id = 'late'"));
    CHECK_FALSE(db->database().exec("DELETE FROM sessions"));
    CHECK(seqs(*db).size() == 4);
}

TEST_CASE("a ledger whose newest billed session was deleted by hand is left unmigrated") {
    test::TempDir dir;
    auto path = dir.file("ledger.db");
    write_billed_ledger(path, true);
    auto db = LedgerDb::open(path);
    REQUIRE_FALSE(db);
    CHECK(db.error().message().find("no_session_above_a_batch_was_deleted") != std::string::npos);
}

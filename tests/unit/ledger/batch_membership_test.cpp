// A batch is its period and the sessions stored up to its close (schema kSchemaBatchBySeq): each
// session is billed in exactly one batch, and a database whose sessions carried their batch id
// keeps every batch as it was.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <span>
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

std::span<const db::Migration> migrations_before_batch_by_seq() {
    return test::migrations_before(kSchemaBatchBySeq);
}

Result<db::Database> open_old(const std::string& path) {
    return test::open_ledger_before(path, kSchemaBatchBySeq);
}

// A session row as the old schema stored it, with its rowid and batch given.
std::string old_session(int rowid, const std::string& id, UnixMs ended_at, const char* batch,
                        int amount = 100) {
    return "INSERT INTO sessions(rowid, id, site, machine, uid, member_id, role, started_at, "
           "ended_at, clock_synced, powered_ms, end_reason, ended_by, payload_hash, received_at, "
           "batch_id, amount_minor, currency) VALUES(" +
           std::to_string(rowid) + ", '" + id + "', 'lab', 'x', 'u', 'm', 'user', " +
           std::to_string(ended_at - 1000) + ", " + std::to_string(ended_at) +
           ", 1, 1000, 'badge_out', '', 'h', 1, " + batch + ", " + std::to_string(amount) +
           ", 'EUR');";
}

// A ledger at `path` as the previous schema left it: billing batches (`batches`, rows of
// VALUES) and the sessions `old_session` wrote, each carrying its batch id.
void write_old_ledger(const std::string& path, const std::string& batches,
                      const std::string& sessions) {
    auto old = open_old(path);
    REQUIRE(old);
    REQUIRE(old->exec(
        "INSERT INTO billing_batches(id, period_start, period_end, closed_at, closed_by) VALUES" +
        batches + ";" + sessions));
}

// Each batch's session ids as its CSV export lists them (first column, export order).
std::map<std::int64_t, std::vector<std::string>> exported(LedgerDb& db) {
    std::map<std::int64_t, std::vector<std::string>> out;
    auto batches = db.billing().batches();
    REQUIRE(batches);
    for (const auto& b : *batches) {
        auto& ids = out[b.id];
        REQUIRE(db.billing().export_batch_csv(b.id, [&](std::string_view line) {
            if (line.rfind("session_id,", 0) != 0) ids.emplace_back(line.substr(0, line.find(',')));
        }));
    }
    return out;
}

std::optional<std::int64_t> batch_of(LedgerDb& db, const std::string& id) {
    auto s = db.reports().session(id);
    REQUIRE(s);
    REQUIRE(*s);
    return (*s)->batch_id;
}

constexpr UnixMs kT0 = 1'767'225'600'000;
constexpr UnixMs kHour = 3'600'000;

// A 30-minute session of m-1 on lab/x, delivered by its gate at `now` (hours after kT0).
void deliver(LedgerDb& db, const std::string& id, UnixMs start, double now_h) {
    auto s = test::finished_session(id, start, 30, "x");
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", "x", "sessions"), encode(s)));
    auto summary = db.ingest().apply(batch, kT0 + static_cast<UnixMs>(now_h * kHour));
    REQUIRE(summary);
    REQUIRE(summary->stored == 1);
}

}  // namespace

TEST_CASE("migrating keeps every batch's sessions even when rows were stored out of batch order") {
    test::TempDir dir;
    auto path = dir.file("ledger.db");
    // Batch 1 took a1 and a2; b-late arrived after that close (ended in period 1) and reused a
    // lower rowid, as a row deleted by hand leaves; b-open was stored before close 1 but ended
    // after its end; c is in batch 3, u still unbilled.
    write_old_ledger(path,
                     "(1, 0, 5000, 6000, 't'), (2, 5000, 10000, 11000, 't'), "
                     "(3, 10000, 20000, 21000, 't')",
                     old_session(7, "a1", 2000, "1") + old_session(9, "a2", 4000, "1", 250) +
                         old_session(2, "b-late", 3000, "2", 40) +
                         old_session(3, "b-open", 8000, "2") + old_session(1, "c", 15000, "3", 7) +
                         old_session(4, "u", 25000, "NULL"));
    auto db = LedgerDb::open(path);
    REQUIRE(db);
    auto batches = exported(*db);
    using Ids = std::vector<std::string>;
    CHECK(batches[1] == Ids{"a1", "a2"});
    CHECK(batches[2] == Ids{"b-late", "b-open"});
    CHECK(batches[3] == Ids{"c"});
    auto second = db->billing().batch(2);
    REQUIRE(second);
    REQUIRE(*second);
    CHECK((*second)->sessions == 2);
    CHECK((*second)->late_sessions == 1);
    auto totals = db->billing().batch_totals(1);
    REQUIRE(totals);
    REQUIRE(totals->size() == 1);
    CHECK((*totals)[0].amount_minor == 350);
    CHECK(batch_of(*db, "b-late") == 2);
    CHECK(batch_of(*db, "c") == 3);
    CHECK_FALSE(batch_of(*db, "u"));
    // The unbilled one goes into the next close, with nothing billed twice.
    auto next = db->billing().close_period(30000, "t", 31000);
    REQUIRE(next);
    CHECK(next->sessions == 1);
    CHECK(exported(*db)[4] == Ids{"u"});
}

TEST_CASE("a database whose batch holds a session ended after its period is not migrated") {
    test::TempDir dir;
    auto path = dir.file("ledger.db");
    write_old_ledger(path, "(1, 0, 5000, 6000, 't')",
                     old_session(1, "fits", 2000, "1") + old_session(2, "edited-in", 9000, "1"));
    auto db = LedgerDb::open(path);
    REQUIRE_FALSE(db);
    CHECK(db.error().message().find("batches_hold_only_sessions_ended_in_their_chained_periods") !=
          std::string::npos);
    auto old = open_old(path);  // untouched: still the previous schema, batch_id in place
    REQUIRE(old);
    CHECK(old->schema_version() == migrations_before_batch_by_seq().back().version);
}

TEST_CASE("each session is billed in exactly one batch: by its end, or the next close if late") {
    test::TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    REQUIRE(db->database().exec(
        "INSERT INTO members(id, name, contact, member_class, created_at) VALUES('m-1', 'Ann', "
        "'', 'standard', 0); INSERT INTO machines(site, id, name) VALUES('lab', 'x', 'X')"));
    deliver(*db, "early", kT0 + 1 * kHour, 2);
    // Stored before the first close, but still running at that period's end.
    deliver(*db, "running-past-close", kT0 + 9 * kHour + 45 * 60'000, 11);
    REQUIRE(db->billing().close_period(kT0 + 10 * kHour, "t", kT0 + 12 * kHour));
    deliver(*db, "late", kT0 + 3 * kHour, 13);
    deliver(*db, "in-period-2", kT0 + 12 * kHour, 13);
    deliver(*db, "after-period-2", kT0 + 30 * kHour, 31);
    auto second = db->billing().close_period(kT0 + 20 * kHour, "t", kT0 + 32 * kHour);
    REQUIRE(second);
    CHECK(second->sessions == 3);
    CHECK(second->late_sessions == 1);
    deliver(*db, "late-again", kT0 + 15 * kHour, 33);
    REQUIRE(db->billing().close_period(kT0 + 40 * kHour, "t", kT0 + 41 * kHour));

    auto batches = exported(*db);
    using Ids = std::vector<std::string>;
    CHECK(batches[1] == Ids{"early"});
    CHECK(batches[2] == Ids{"late", "running-past-close", "in-period-2"});
    CHECK(batches[3] == Ids{"late-again", "after-period-2"});
    std::set<std::string> seen;
    for (const auto& [id, sessions] : batches) {
        for (const auto& s : sessions) {
            CHECK(seen.insert(s).second);
            CHECK(batch_of(*db, s) == id);
        }
        auto batch = db->billing().batch(id);
        REQUIRE(batch);
        REQUIRE(*batch);
        CHECK((*batch)->sessions == static_cast<std::int64_t>(sessions.size()));
    }
    CHECK(seen.size() == 6);
}

// A held session (valid, waiting for the manager's fix) is money: it is kept until replayed and
// then billed once. It is also something a gate login sends: what is kept per held session is
// bounded (its canonical encoding, not the raw payload) and a resent copy adds nothing.
#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

// `ackable`: whether the ledger could read an id to ack (not past the 64 KiB payload limit).
void deliver_raw(LedgerDb& db, const SessionRecord& s, const std::string& payload, UnixMs now,
                 bool ackable = true) {
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", s.machine, "sessions"), payload));
    auto applied = db.ingest().apply(batch, now);
    REQUIRE(applied);
    // Acked: the gate may drop it, the ledger keeps it.
    CHECK(applied->outcomes.front().ackable() == ackable);
}

// The session's JSON with `padding` bytes of spaces before the closing brace: still valid.
std::string padded(const SessionRecord& s, std::size_t padding) {
    auto json = encode(s);
    json.insert(json.size() - 1, std::string(padding, ' '));
    return json;
}

struct HeldRow {
    std::int64_t stored_bytes = 0, payload_size = 0;
};

std::vector<HeldRow> held_rows(LedgerDb& db) {
    auto st = db.database().prepare(
        "SELECT length(CAST(payload AS BLOB)), payload_size FROM ingest_errors "
        "WHERE state = 'parked' ORDER BY id");
    REQUIRE(st);
    std::vector<HeldRow> rows;
    while (st->step().value_or(false)) rows.push_back({st->int64(0), st->int64(1)});
    return rows;
}

// The one integer `sql` yields, with `id` bound to its ?1 if it has one.
std::int64_t single_int(LedgerDb& db, const std::string& sql, const std::string& id = {}) {
    auto st = db.database().prepare(sql);
    REQUIRE(st);
    if (sql.find("?1") != std::string::npos) st->bind(1, id);
    REQUIRE(st->step().value_or(false));
    return st->int64(0);
}

std::int64_t stored_sessions(LedgerDb& db, const std::string& id) {
    return single_int(db, "SELECT count(*) FROM sessions WHERE id = ?1", id);
}

std::int64_t database_bytes(LedgerDb& db) {
    return single_int(db,
                      "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
}

// The manager's fix, registering laser-9, and the replay it allows; returns the sessions taken.
std::int64_t fix_and_replay(LedgerDb& db, UnixMs at) {
    REQUIRE(db.machines().upsert({"lab", "laser-9", "Laser 9", std::string("lasers")}, "t", at));
    auto replayed = db.ingest().replay_parked("t", at + 1);
    REQUIRE(replayed);
    return replayed->ingested;
}

}  // namespace

TEST_CASE("a held session padded to 60 KB keeps a bounded row and is billed once when replayed") {
    test::TempDir dir;
    auto db = test::priced_lab(dir, kT0);
    auto s = test::finished_session("id-pad", kT0, 30, "laser-9");  // machine not registered
    auto payload = padded(s, 60'000);
    deliver_raw(db, s, payload, kT0);
    auto rows = held_rows(db);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].stored_bytes <= static_cast<std::int64_t>(kRefusedPayloadKeepBytes));
    CHECK(rows[0].payload_size == static_cast<std::int64_t>(payload.size()));

    CHECK(fix_and_replay(db, kT0 + 1) == 1);
    CHECK(stored_sessions(db, "id-pad") == 1);
    auto stored = db.reports().sessions_between(0, kT0 + 3'600'000);
    REQUIRE(stored);
    REQUIRE(stored->size() == 1);
    CHECK(stored->front().record.powered_ms == 30 * 60'000);
    CHECK(stored->front().record.member == "m-1");
}

TEST_CASE("a held session resent many times is one row, and one stored session") {
    test::TempDir dir;
    auto db = test::priced_lab(dir, kT0);
    auto s = test::finished_session("id-resent", kT0, 5, "laser-9");
    for (int n = 0; n < 50; ++n) deliver_raw(db, s, padded(s, 1'000 + n), kT0 + n);
    CHECK(held_rows(db).size() == 1);
    CHECK(db.ingest().parked_summary()->powered_ms == 5 * 60'000);

    // Another session of the same machine is another row: nothing a member used is dropped.
    auto second = test::finished_session("id-second", kT0 + 600'000, 7, "laser-9");
    deliver_raw(db, second, encode(second), kT0 + 100);
    CHECK(held_rows(db).size() == 2);

    CHECK(fix_and_replay(db, kT0 + 200) == 2);
    CHECK(stored_sessions(db, "id-resent") == 1);
    CHECK(stored_sessions(db, "id-second") == 1);
}

TEST_CASE("the largest valid session, escapes and all, fits a refused payload's excerpt") {
    auto s = test::finished_session(std::string(kMaxSessionIdBytes, '\x01'), kT0, 5, "laser-9");
    s.site = std::string(64, 's');
    s.machine = std::string(64, 'm');
    s.member = std::string(kMaxTextFieldBytes, '\x01');  // each byte escaped as \u0001
    s.ended_by = std::string(kMaxTextFieldBytes, '\x01');
    s.active_ms = s.powered_ms;
    auto decoded = decode_session(encode(s));
    REQUIRE(decoded);
    CHECK(encode(*decoded).size() <= kRefusedPayloadKeepBytes);
}

TEST_CASE("a gate login's flood of huge and padded sessions grows the database by kilobytes") {
    test::TempDir dir;
    auto db = test::priced_lab(dir, kT0);
    auto before = database_bytes(db);
    // The measurement: four 5 MB publishes from one gate login (past the 64 KiB limit:
    // refused, and no id can be read to ack)...
    for (int n = 0; n < 4; ++n) {
        auto s = test::finished_session("id-huge-" + std::to_string(n), kT0, 5, "laser-1");
        deliver_raw(db, s, padded(s, 5'000'000), kT0 + n, false);
    }
    // ...and a held session resent a hundred times, each time padded to 60 KB.
    auto held = test::finished_session("id-held", kT0, 5, "laser-9");
    for (int n = 0; n < 100; ++n) deliver_raw(db, held, padded(held, 60'000 + n), kT0 + 10 + n);
    auto grown = database_bytes(db) - before;
    MESSAGE("4 x 5 MB refused + 100 x 60 KB held copies: database grew " << grown << " bytes");
    CHECK(grown < 256 * 1024);
}

// One ingest batch holding the same session twice and a conflicting copy of it: the gate
// resent while the first copy was still uncommitted, or its journal went wrong. Stored once,
// the conflict recorded, every copy acked, and nothing else in the batch lost.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "core/topics.hpp"
#include "ledger/acks.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

using fabgate::test::TempDir;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

SessionRecord session(std::string id, std::string machine, std::int64_t minutes) {
    return test::finished_session(std::move(id), kT0, minutes, std::move(machine));
}

IngestItem item(const SessionRecord& s) {
    return classify_session_message(topics::machine("lab", s.machine, "sessions"), encode(s));
}

// Every stored session as "id payload_hash powered_ms", read around the ledger's API.
std::vector<std::string> stored_rows(LedgerDb& db) {
    std::vector<std::string> rows;
    auto st =
        db.database().prepare("SELECT id, payload_hash, powered_ms FROM sessions ORDER BY id");
    REQUIRE(st);
    while (st->step().value_or(false))
        rows.push_back(st->text(0) + " " + st->text(1) + " " + std::to_string(st->int64(2)));
    return rows;
}

std::vector<std::string> conflict_rows(LedgerDb& db) {
    std::vector<std::string> rows;
    auto st = db.database().prepare(
        "SELECT session_id, stored_hash, payload_hash, repeats, payload FROM session_conflicts "
        "ORDER BY id");
    REQUIRE(st);
    while (st->step().value_or(false))
        rows.push_back(st->text(0) + " stored " + st->text(1) + " newcomer " + st->text(2) +
                       " repeats " + std::to_string(st->int64(3)) + " payload " + st->text(4));
    return rows;
}

}  // namespace

TEST_CASE(
    "a duplicate and a conflicting id inside one batch: stored once, conflict kept, all "
    "acked, nothing else lost") {
    TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    for (auto m : {"laser-1", "printer-1"})
        REQUIRE(db->machines().upsert({"lab", m, m, std::nullopt}, "test", kT0));

    auto a = session("id-a", "laser-1", 30);
    auto conflicting_a = a;
    conflicting_a.powered_ms += 60'000;
    auto b = session("id-b", "printer-1", 10);
    auto c = session("id-c", "laser-1", 5);
    IngestBatch batch;
    batch.sessions = {item(a), item(b), item(a), item(conflicting_a), item(c)};
    auto summary = db->ingest().apply(batch, kT0 + 3'600'000);
    REQUIRE(summary);

    REQUIRE(summary->outcomes.size() == 5);
    CHECK(summary->outcomes[0].result == IngestResult::Stored);
    CHECK(summary->outcomes[1].result == IngestResult::Stored);
    CHECK(summary->outcomes[2].result == IngestResult::Duplicate);
    CHECK(summary->outcomes[3].result == IngestResult::Conflict);
    CHECK(summary->outcomes[4].result == IngestResult::Stored);
    CHECK(summary->stored == 3);
    CHECK(summary->duplicates == 1);
    CHECK(summary->conflicts == 1);

    // The ack the ledger sends laser-1 names a for each copy, and c; printer-1's names b.
    std::vector<std::string> laser_ids, printer_ids;
    for (const auto& o : summary->outcomes) {
        REQUIRE(o.ackable());
        (o.ack_machine == "laser-1" ? laser_ids : printer_ids).push_back(o.id);
    }
    CHECK(laser_ids == std::vector<std::string>{"id-a", "id-a", "id-a", "id-c"});
    CHECK(printer_ids == std::vector<std::string>{"id-b"});
    auto acks = make_acks("lab", "laser-1", kT0, laser_ids);
    REQUIRE(acks.size() == 1);
    CHECK(std::count(acks[0].ids.begin(), acks[0].ids.end(), "id-a") >= 1);

    // Stored once, with the first copy's content; the other copy is in session_conflicts.
    CHECK(*db->reports().session_count() == 3);
    CHECK((*db->reports().session("id-a"))->record.powered_ms == a.powered_ms);
    REQUIRE(*db->reports().session("id-b"));
    REQUIRE(*db->reports().session("id-c"));
    CHECK(stored_rows(*db) ==
          std::vector<std::string>{"id-a " + session_payload_hash(a) + " 1800000",
                                   "id-b " + session_payload_hash(b) + " 600000",
                                   "id-c " + session_payload_hash(c) + " 300000"});
    CHECK(conflict_rows(*db) ==
          std::vector<std::string>{"id-a stored " + session_payload_hash(a) + " newcomer " +
                                   session_payload_hash(conflicting_a) + " repeats 0 payload " +
                                   encode(conflicting_a)});
    CHECK(db->ingest().ingest_errors()->empty());
}

TEST_CASE("a conflicting copy sent twice in one batch, then the original: one conflict row") {
    TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    REQUIRE(db->machines().upsert({"lab", "laser-1", "laser-1", std::nullopt}, "test", kT0));

    auto a = session("id-a", "laser-1", 30);
    auto conflicting_a = a;
    conflicting_a.ended_by = "someone-else";
    IngestBatch batch;
    batch.sessions = {item(a), item(conflicting_a), item(conflicting_a), item(a)};
    auto summary = db->ingest().apply(batch, kT0 + 3'600'000);
    REQUIRE(summary);

    REQUIRE(summary->outcomes.size() == 4);
    CHECK(summary->outcomes[0].result == IngestResult::Stored);
    CHECK(summary->outcomes[1].result == IngestResult::Conflict);
    CHECK(summary->outcomes[2].result == IngestResult::Conflict);
    CHECK(summary->outcomes[3].result == IngestResult::Duplicate);
    CHECK(summary->stored == 1);
    CHECK(summary->conflicts == 2);
    CHECK(summary->duplicates == 1);
    // The first copy is the stored one; the conflicting payload is kept once, counted twice.
    CHECK(stored_rows(*db) ==
          std::vector<std::string>{"id-a " + session_payload_hash(a) + " 1800000"});
    CHECK(conflict_rows(*db) ==
          std::vector<std::string>{"id-a stored " + session_payload_hash(a) + " newcomer " +
                                   session_payload_hash(conflicting_a) + " repeats 1 payload " +
                                   encode(conflicting_a)});
}

TEST_CASE(
    "a resend of a stored session the ledger could no longer price is still a duplicate, and a "
    "changed copy still a conflict, not held") {
    TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    REQUIRE(db->machines().upsert({"lab", "laser-1", "laser-1", std::nullopt}, "test", kT0));
    Member m;
    m.id = "m-1";
    m.name = "Ann";
    REQUIRE(db->members().add(m, "test", kT0));
    // Stored while the laser was free of charge...
    auto a = session("id-a", "laser-1", 30);
    IngestBatch first;
    first.sessions = {item(a)};
    auto stored = db->ingest().apply(first, kT0 + 3'600'000);
    REQUIRE(stored);
    REQUIRE(stored->stored == 1);
    // ...then priced for staff only: Ann's new sessions would be held for a tariff.
    Tariff staff_only;
    staff_only.target_kind = TargetKind::Machine;
    staff_only.target = "laser-1";
    staff_only.member_class = "staff";
    staff_only.price_per_hour_minor = 1200;
    REQUIRE(db->tariffs().add(staff_only, "test", kT0));

    auto conflicting_a = a;
    conflicting_a.powered_ms -= 60'000;
    IngestBatch resend;
    resend.sessions = {item(a), item(conflicting_a)};
    auto summary = db->ingest().apply(resend, kT0 + 7'200'000);
    REQUIRE(summary);
    REQUIRE(summary->outcomes.size() == 2);
    CHECK(summary->outcomes[0].result == IngestResult::Duplicate);
    CHECK(summary->outcomes[1].result == IngestResult::Conflict);
    CHECK(db->ingest().ingest_errors()->empty());
    CHECK(db->ingest().parked_summary()->sessions == 0);
    CHECK(stored_rows(*db) ==
          std::vector<std::string>{"id-a " + session_payload_hash(a) + " 1800000"});
    CHECK(conflict_rows(*db).size() == 1);
}

TEST_CASE("the ledger's totals add each batch's sessions to the result it ended with") {
    // What the ledger says on stopping ("N stored, N duplicates, N conflicts, N refused").
    IngestSummary first;
    first.stored = 3;
    first.conflicts = 1;
    first.unackable = 2;
    IngestSummary second;
    second.stored = 1;
    second.duplicates = 4;
    second.rejected = 5;
    IngestCounts total;
    total += first;
    total += second;
    CHECK(total.stored == 4);
    CHECK(total.duplicates == 4);
    CHECK(total.conflicts == 1);
    CHECK(total.rejected == 5);
    CHECK(total.unackable == 2);
}

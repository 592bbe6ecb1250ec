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

}  // namespace

TEST_CASE(
    "a duplicate and a conflicting id inside one batch: stored once, conflict kept, all "
    "acked, nothing else lost") {
    TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    for (auto m : {"laser-1", "printer-1"})
        REQUIRE(db->roster().upsert_machine({"lab", m, m, std::nullopt}, "test", kT0));

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
    auto acks = make_acks(laser_ids);
    REQUIRE(acks.size() == 1);
    CHECK(std::count(acks[0].ids.begin(), acks[0].ids.end(), "id-a") >= 1);

    // Stored once, with the first copy's content; the other copy is in session_conflicts.
    CHECK(*db->reports().session_count() == 3);
    CHECK((*db->reports().session("id-a"))->record.powered_ms == a.powered_ms);
    REQUIRE(*db->reports().session("id-b"));
    REQUIRE(*db->reports().session("id-c"));
    auto conflicts = db->ingest().conflicts();
    REQUIRE(conflicts);
    REQUIRE(conflicts->size() == 1);
    CHECK((*conflicts)[0].session_id == "id-a");
    CHECK(db->ingest().ingest_errors()->empty());
}

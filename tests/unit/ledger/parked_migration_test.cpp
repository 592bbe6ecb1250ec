// Migration kSchemaParked on a ledger written by the previous version: its refused sessions of
// unknown machines become held (and replayable), its repeated conflicts one row each.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <span>

#include "core/messages.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "old_schema.hpp"

using namespace fabgate;

TEST_CASE("an older ledger's parked sessions and repeated conflicts are migrated") {
    char tmpl[] = "/tmp/ledger-parked-XXXXXX";
    std::filesystem::path dir = mkdtemp(tmpl);
    auto path = (dir / "ledger.db").string();
    SessionRecord s;
    s.id = "019c0000-0000-7000-8000-000000000a01";
    s.site = "lab";
    s.machine = "mill-1";
    s.uid = "04A1B2C3";
    s.member = "m-1";
    s.started_at = 1'769'904'000'000;
    s.ended_at = s.started_at + 20 * 60'000;
    s.powered_ms = 20 * 60'000;
    {
        // Schema 2, the last release before parked sessions (migration 3).
        auto old = test::open_ledger_before(path, ledger::kSchemaParked);
        REQUIRE(old);
        auto error = old->prepare(
            "INSERT INTO ingest_errors(received_at, topic, session_id, reason, payload) VALUES(1, "
            "'fabgate/lab/machines/mill-1/sessions', ?1, 'unknown machine lab/mill-1 (register "
            "it with fabctl)', ?2)");
        REQUIRE(error);
        error->bind(1, s.id).bind(2, encode(s));
        REQUIRE(error->run());
        REQUIRE(
            old->exec("INSERT INTO ingest_errors(received_at, topic, session_id, reason, "
                      "payload) VALUES(2, 't', '', 'not json', 'this is not json')"));
        for (int i = 0; i < 3; ++i)
            REQUIRE(
                old->exec("INSERT INTO session_conflicts(session_id, received_at, topic, "
                          "stored_hash, payload_hash, payload) VALUES('x', 1, 't', 'a', 'b', "
                          "'{}')"));
    }
    auto db = ledger::LedgerDb::open(path);
    REQUIRE(db);
    CHECK(db->database().schema_version() == ledger::kMigrations.back().version);
    auto held = db->ingest().parked_summary();
    REQUIRE(held);
    CHECK(held->sessions == 1);
    CHECK(held->powered_ms == 20 * 60'000);
    CHECK(db->ingest().conflicts()->size() == 1);

    REQUIRE(db->machines().upsert({"lab", "mill-1", "Mill", std::nullopt}, "test", 3));
    auto replayed = db->ingest().replay_parked("test", 4);
    REQUIRE(replayed);
    CHECK(replayed->ingested == 1);
    CHECK(*db->reports().session_count() == 1);
    std::filesystem::remove_all(dir);
}

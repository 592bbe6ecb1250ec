// Nothing parked forever: a session from a machine the ledger does not know yet, or for a member
// or class tariff missing on a priced machine, is acked, held, and billed as soon as the manager
// adds what it lacks; what can never become valid stays refused; a resent conflict is recorded
// once.
#include <doctest/doctest.h>

#include "lab_fixture.hpp"

using namespace fabgate;
using fabgate::test::kMinuteMs;

namespace {

constexpr UnixMs kFeb1 = 1'769'904'000'000;  // 2026-02-01T00:00:00Z
constexpr UnixMs kMar1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z

SessionRecord mill_session(const char* id, const char* machine, std::int64_t minutes) {
    return test::gate_session(id, "m-1", machine, kFeb1 + kMinuteMs,
                              kFeb1 + (1 + minutes) * kMinuteMs);
}

}  // namespace

TEST_CASE("a session from an unregistered machine is held, counted, and billed on registration") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    // The group's tariff can be set before the machine exists.
    lab.ok({"tariffs", "set", "--group", "mills", "--class", "any", "--per-hour", "6.00", "--from",
            "2026-01-01"});
    {
        auto db = lab.open();
        auto summary = test::deliver(
            db, {mill_session("019c0000-0000-7000-8000-0000000000d1", "mill-1", 45)}, kMar1);
        CHECK(summary.rejected == 1);  // acked to the gate: it stops resending
        CHECK(summary.outcomes[0].result == ledger::IngestResult::Rejected);
    }
    auto check = lab.ok({"check"});
    CHECK(check.find("held sessions: 1 (45.0 powered minutes") != std::string::npos);
    auto listed = lab.run({"--json", "errors"}).parsed();
    REQUIRE(listed["refused"].size() == 1);
    CHECK(listed["refused"][0]["state"] == "parked");

    auto added = lab.ok({"machines", "add", "lab/mill-1", "--name", "Mill", "--group", "mills"});
    CHECK(added.find("1 held session(s) of lab/mill-1 ingested and priced") != std::string::npos);

    auto db = lab.open();
    auto stored = db.reports().session("019c0000-0000-7000-8000-0000000000d1");
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 450);  // 45 min at 6.00/h, as any session of the group
    CHECK(lab.ok({"check"}).find("held sessions: 0 (0.0 powered minutes") != std::string::npos);
    CHECK(lab.run({"--json", "errors"}).parsed()["refused"][0]["state"] == "replayed");
    bool audited = false;
    auto log = db.audit().rows(100);
    REQUIRE(log);
    for (const auto& row : *log)
        audited = audited || (row.action == "errors.replay" && row.subject == "lab/mill-1" &&
                              row.after_json.find("0000000000d1") != std::string::npos);
    CHECK(audited);

    // Replaying again changes nothing: the session is billed once.
    auto again = lab.run({"--json", "errors", "replay"}).parsed();
    CHECK(again["ingested"] == 0);
    CHECK(*db.reports().session_count() == 1);
}

TEST_CASE("errors replay ingests held sessions of machines registered some other way") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    auto db = lab.open();
    test::deliver(db,
                  {mill_session("019c0000-0000-7000-8000-0000000000e1", "mill-2", 30),
                   mill_session("019c0000-0000-7000-8000-0000000000e2", "mill-3", 10)},
                  kMar1);
    ledger::IngestBatch malformed;
    malformed.sessions.push_back(ledger::classify_session_message(
        "fabgate/lab/machines/laser-1/sessions", R"({"id":"019c0000-bad","site":"lab"})"));
    REQUIRE(db.ingest().apply(malformed, kMar1));
    REQUIRE(db.machines().upsert({"lab", "mill-2", "Mill 2", std::nullopt}, "test", kMar1));

    auto r = lab.run({"--json", "errors", "replay"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto j = r.parsed();
    CHECK(j["ingested"] == 1);
    CHECK(j["still_held"] == 1);  // mill-3 is still unknown
    CHECK(j["sessions"][0] == "019c0000-0000-7000-8000-0000000000e1");
    CHECK(lab.ok({"check"}).find("held sessions: 1 (10.0 powered minutes") != std::string::npos);
    // A malformed message is not held: replaying cannot fix it.
    auto listed = lab.run({"--json", "errors"}).parsed();
    int refused = 0;
    for (const auto& row : listed["refused"]) refused += row["state"] == "refused";
    CHECK(refused == 1);
    auto bad = lab.run({"errors", "replay", "--machine", "mill-3"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--machine") != std::string::npos);
}

TEST_CASE("a conflict resent by a gate is recorded once per distinct payload") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    auto db = lab.open();
    auto original = test::gate_session("019c0000-0000-7000-8000-0000000000f1", "m-1", "laser-1",
                                       kFeb1, kFeb1 + 10 * kMinuteMs);
    auto changed = original;
    changed.powered_ms += kMinuteMs;
    auto other = original;
    other.powered_ms += 2 * kMinuteMs;
    test::deliver(db, {original}, kMar1);
    for (int resend = 0; resend < 3; ++resend) test::deliver(db, {changed}, kMar1);
    test::deliver(db, {other}, kMar1);
    auto conflicts = db.ingest().conflicts();
    REQUIRE(conflicts);
    CHECK(conflicts->size() == 2);
}

namespace {

constexpr const char* kLaser = "laser-1";

std::string parked_reason(test::ZonedLab& lab) {
    auto listed = lab.run({"--json", "errors"}).parsed();
    REQUIRE(listed["refused"].size() == 1);
    CHECK(listed["refused"][0]["state"] == "parked");
    return listed["refused"][0]["reason"].get<std::string>();
}

}  // namespace

TEST_CASE("a session of a member the ledger does not know yet is held, then billed by class") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    {
        auto db = lab.open();
        auto summary =
            test::deliver(db,
                          {test::gate_session("019c0000-0000-7000-8000-0000000000a1", "m-9", kLaser,
                                              kFeb1 + kMinuteMs, kFeb1 + 31 * kMinuteMs)},
                          kMar1);
        CHECK(summary.rejected == 1);  // acked: the gate stops resending it
        CHECK(*db.reports().session_count() == 0);
    }
    CHECK(parked_reason(lab).find("unknown member m-9") != std::string::npos);
    CHECK(lab.ok({"check"}).find("held sessions: 1 (30.0 powered minutes") != std::string::npos);

    // Adding the member is the fix: it bills what waited for them, with no replay to remember.
    CHECK(lab.ok({"members", "add", "m-9", "--name", "Bea", "--class", "student"})
              .find("1 held session(s) ingested and priced") != std::string::npos);
    CHECK(lab.run({"--json", "errors", "replay"}).parsed()["ingested"] == 0);
    auto db = lab.open();
    auto stored = db.reports().session("019c0000-0000-7000-8000-0000000000a1");
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 600);  // 30 min at 12.00/h
    CHECK(lab.ok({"check"}).find("held sessions: 0 (") != std::string::npos);
}

TEST_CASE("a session whose class has no tariff on a priced machine is held until one is set") {
    test::ZonedLab lab("", kMar1);
    lab.ok({"init"});
    lab.ok({"machines", "add", "lab/laser-1", "--name", "Laser cutter"});
    lab.ok({"members", "add", "m-1", "--name", "Ann", "--class", "student"});
    lab.ok({"tariffs", "set", "laser-1", "--class", "member", "--per-hour", "12.00", "--from",
            "2026-01-01T00:00Z"});
    {
        auto db = lab.open();
        test::deliver(db,
                      {test::gate_session("019c0000-0000-7000-8000-0000000000b1", "m-1", kLaser,
                                          kFeb1, kFeb1 + 20 * kMinuteMs)},
                      kMar1);
        CHECK(*db.reports().session_count() == 0);  // not stored unpriced: it would stay so
    }
    CHECK(parked_reason(lab).find("no tariff for class 'student' on lab/laser-1") !=
          std::string::npos);
    // Replaying before the fix changes nothing and keeps the session held.
    CHECK(lab.run({"--json", "errors", "replay"}).parsed()["still_held"] == 1);

    // Setting the tariff is the fix: it bills the held session at once.
    CHECK(lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "6.00", "--from",
                  "2026-01-01T00:00Z"})
              .find("1 held session(s) ingested and priced") != std::string::npos);
    auto db = lab.open();
    auto stored = db.reports().session("019c0000-0000-7000-8000-0000000000b1");
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 200);  // 20 min at the student's 6.00/h
}

TEST_CASE("a session of a machine removed and added again is held, then billed on re-adding") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    lab.ok({"machines", "remove", "lab/laser-1", "--yes"});
    {
        auto db = lab.open();
        test::deliver(db,
                      {test::gate_session("019c0000-0000-7000-8000-0000000000c1", "m-1", kLaser,
                                          kFeb1, kFeb1 + 10 * kMinuteMs)},
                      kMar1);
    }
    CHECK(parked_reason(lab).find("unknown machine lab/laser-1") != std::string::npos);
    auto added = lab.ok({"machines", "add", "lab/laser-1", "--name", "Laser cutter"});
    CHECK(added.find("1 held session(s) of lab/laser-1 ingested and priced") != std::string::npos);
    auto db = lab.open();
    auto stored = db.reports().session("019c0000-0000-7000-8000-0000000000c1");
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 200);  // 10 min at 12.00/h
}

TEST_CASE("a machine without any tariff is free: its sessions are stored, not held") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    lab.ok({"machines", "add", "lab/printer-1", "--name", "Printer"});
    auto db = lab.open();
    auto summary = test::deliver(db,
                                 {test::gate_session("019c0000-0000-7000-8000-0000000000c2", "m-1",
                                                     "printer-1", kFeb1, kFeb1 + 10 * kMinuteMs)},
                                 kMar1);
    CHECK(summary.stored == 1);
}

TEST_CASE("a session on another machine's topic stays refused, never held") {
    test::ZonedLab lab("", kMar1);
    lab.setup();
    auto db = lab.open();
    auto s = test::gate_session("019c0000-0000-7000-8000-0000000000c3", "m-9", kLaser, kFeb1,
                                kFeb1 + 10 * kMinuteMs);
    ledger::IngestBatch batch;
    batch.sessions.push_back(
        ledger::classify_session_message("fabgate/lab/machines/mill-1/sessions", encode(s)));
    REQUIRE(db.ingest().apply(batch, kMar1));
    auto listed = lab.run({"--json", "errors"}).parsed();
    REQUIRE(listed["refused"].size() == 1);
    CHECK(listed["refused"][0]["state"] == "refused");
    CHECK(lab.ok({"check"}).find("held sessions: 0 (") != std::string::npos);
}

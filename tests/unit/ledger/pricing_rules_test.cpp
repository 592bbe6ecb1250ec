// Pricing at ingest with the published tariff rules: the member class in force at the
// session's start, the rules each line says it used, and combined sessions.
#include <doctest/doctest.h>

#include <span>
#include <utility>
#include <vector>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

using test::kHour;
using test::kMinute;
using test::kT0;

struct Lab {
    test::TempDir dir;
    LedgerDb db = *LedgerDb::open(dir.file("ledger.db"));

    Lab() {
        REQUIRE(db.machines().upsert({"lab", "laser-1", "Laser", std::string("lasers")}, "t", kT0));
        REQUIRE(
            db.machines().upsert({"lab", "laser-2", "Laser 2", std::string("lasers")}, "t", kT0));
        Member m;
        m.id = "m-1";
        m.name = "Alice";
        m.member_class = "student";
        REQUIRE(db.members().add(m, "t", kT0));
    }

    std::int64_t tariff(std::string cls, std::int64_t per_hour, void (*tweak)(Tariff&) = nullptr) {
        Tariff t;
        t.target_kind = TargetKind::Group;
        t.target = "lasers";
        t.member_class = std::move(cls);
        t.price_per_hour_minor = per_hour;
        t.valid_from = 0;
        if (tweak) tweak(t);
        auto id = db.tariffs().add(t, "t", kT0);
        REQUIRE(id);
        return *id;
    }

    void set_class(std::string cls, UnixMs at) {
        auto m = db.members().find("m-1");
        REQUIRE(m);
        REQUIRE(*m);
        Member changed = **m;
        changed.member_class = std::move(cls);
        REQUIRE(db.members().update(changed, "t", at));
    }

    StoredSession deliver(const SessionRecord& s, UnixMs now) { return deliver_batch({s}, now)[0]; }

    // The sessions in one ingest batch (one transaction), all stored.
    std::vector<StoredSession> deliver_batch(const std::vector<SessionRecord>& sessions,
                                             UnixMs now) {
        IngestBatch batch;
        for (const auto& s : sessions)
            batch.sessions.push_back(classify_session_message(
                topics::machine(s.site, s.machine, "sessions"), encode(s)));
        auto summary = db.ingest().apply(batch, now);
        REQUIRE(summary);
        REQUIRE(summary->stored == static_cast<std::int64_t>(sessions.size()));
        std::vector<StoredSession> stored;
        for (const auto& s : sessions) {
            auto row = db.reports().session(s.id);
            REQUIRE(row);
            REQUIRE(*row);
            stored.push_back(**row);
        }
        return stored;
    }
};

}  // namespace

TEST_CASE("a late delivery is priced by the class the member had when the session started") {
    Lab lab;
    auto student = lab.tariff("student", 600);
    auto member = lab.tariff("member", 1200);
    // Used as a student at 10:00; the gate is offline; at 12:00 the manager makes Alice a
    // member; the gate delivers at 14:00.
    auto used = test::finished_session("s-late", kT0 + 10 * kHour, 60, "laser-1");
    lab.set_class("member", kT0 + 12 * kHour);
    auto late = lab.deliver(used, kT0 + 14 * kHour);
    CHECK(late.tariff_id == student);
    CHECK(late.amount_minor == 600);
    // A session started after the change is priced at the new class.
    auto after = lab.deliver(test::finished_session("s-after", kT0 + 13 * kHour, 60, "laser-1"),
                             kT0 + 14 * kHour);
    CHECK(after.tariff_id == member);
    CHECK(after.amount_minor == 1200);
    // Started exactly at the change: the new class is in force (from-time is inclusive).
    auto edge = lab.deliver(test::finished_session("s-edge", kT0 + 12 * kHour, 60, "laser-1"),
                            kT0 + 14 * kHour);
    CHECK(edge.tariff_id == member);
}

TEST_CASE("class changes back and forth are each kept as history") {
    Lab lab;
    auto student = lab.tariff("student", 600);
    auto member = lab.tariff("member", 1200);
    lab.set_class("member", kT0 + 2 * kHour);
    lab.set_class("student", kT0 + 4 * kHour);
    auto at = [&](std::string id, UnixMs start) {
        return lab
            .deliver(test::finished_session(std::move(id), start, 10, "laser-1"), kT0 + 10 * kHour)
            .tariff_id;
    };
    CHECK(at("a", kT0 + 1 * kHour) == student);
    CHECK(at("b", kT0 + 3 * kHour) == member);
    CHECK(at("c", kT0 + 5 * kHour) == student);
    // A change of name only adds no history: the session at 5h stays a student's.
    auto m = lab.db.members().find("m-1");
    REQUIRE(m);
    REQUIRE(*m);
    Member renamed = **m;
    renamed.name = "Alice B.";
    REQUIRE(lab.db.members().update(renamed, "t", kT0 + 6 * kHour));
    CHECK(at("d", kT0 + 5 * kHour + kMinute) == student);
}

TEST_CASE(
    "one batch prices each session by the class at its own start; the next batch sees a class "
    "changed in between") {
    Lab lab;
    auto student = lab.tariff("student", 600);
    auto member = lab.tariff("member", 1200);
    lab.set_class("member", kT0 + 2 * kHour);
    auto first = lab.deliver_batch({test::finished_session("a", kT0 + 1 * kHour, 10, "laser-1"),
                                    test::finished_session("b", kT0 + 3 * kHour, 10, "laser-1"),
                                    test::finished_session("c", kT0 + 90 * kMinute, 10, "laser-1")},
                                   kT0 + 4 * kHour);
    CHECK(first[0].tariff_id == student);
    CHECK(first[1].tariff_id == member);
    CHECK(first[2].tariff_id == student);
    lab.set_class("student", kT0 + 5 * kHour);
    auto second = lab.deliver_batch({test::finished_session("d", kT0 + 6 * kHour, 10, "laser-1")},
                                    kT0 + 7 * kHour);
    CHECK(second[0].tariff_id == student);
}

// A billing job that sends each class to its payer (a school pays for its students) reads the
// class from the line: it must be the class that priced it, not the member's class today.
TEST_CASE("a billed line names the class that priced it, after the member changed class") {
    Lab lab;
    lab.tariff("student", 600);
    lab.tariff("standard", 1200);
    lab.deliver(test::finished_session("s-student", kT0 + kHour, 60, "laser-1"), kT0 + 2 * kHour);
    lab.set_class("standard", kT0 + 3 * kHour);
    lab.deliver(test::finished_session("s-standard", kT0 + 4 * kHour, 60, "laser-1"),
                kT0 + 5 * kHour);
    // Started at the very time of the change: the new class priced it (from-time inclusive).
    lab.deliver(test::finished_session("s-edge", kT0 + 3 * kHour, 30, "laser-1"), kT0 + 5 * kHour);
    auto batch = lab.db.billing().close_period(kT0 + 6 * kHour, "t", kT0 + 6 * kHour);
    REQUIRE(batch);

    // Both exports, each line's session and member columns (no cell here needs quoting).
    std::string lines;
    REQUIRE(lab.db.billing().export_batch_csv(batch->id, [&](std::string_view l) {
        lines.append(l.substr(0, l.find(",lab,"))) += '\n';
    }));
    CHECK(lines ==
          "session_id,member_id,member_name,member_class,site,machine,started_at_ms,ended_at_ms,"
          "powered_minutes,billable_minutes,tariff_id,amount_minor,amount,currency,clock_synced,"
          "minimum,combined_with,rounded\n"
          "s-student,m-1,Alice,student\n"
          "s-edge,m-1,Alice,standard\n"
          "s-standard,m-1,Alice,standard\n");
    std::string text;
    REQUIRE(lab.db.billing().export_batch_csv_text(batch->id,
                                                   [&](std::string_view t) { text.append(t); }));
    const std::string student_line = "\ns-student,m-1,Alice,student,lab,";
    CHECK(text.substr(text.find("\ns-student,"), student_line.size()) == student_line);

    auto rows = [&](const char* sql) {
        auto st = lab.db.database().prepare(sql);
        REQUIRE(st);
        std::string found;
        while (true) {
            auto row = st->step();
            REQUIRE(row);
            if (!*row) break;
            found += st->text(0) + "; ";
        }
        return found;
    };
    CHECK(rows("SELECT id || ' ' || member_class FROM v_billable_sessions ORDER BY started_at") ==
          "s-student student; s-edge standard; s-standard standard; ");
    // Usage per member splits a member's sessions by the class that priced them.
    CHECK(rows("SELECT member_class || ' ' || amount_minor FROM v_usage_by_member "
               "ORDER BY member_class DESC") == "student 600; standard 1800; ");
}

TEST_CASE(
    "a member written around the ledger's API, without class history, is billed as their "
    "current class") {
    Lab lab;
    lab.tariff("*", 600);
    REQUIRE(
        lab.db.database().exec("INSERT INTO members(id, name, member_class, created_at) "
                               "VALUES('m-2', 'Bob', 'company', 0)"));
    auto s = test::finished_session("s-bob", kT0 + kHour, 60, "laser-1");
    s.member = "m-2";
    lab.deliver(s, kT0 + 2 * kHour);
    auto batch = lab.db.billing().close_period(kT0 + 3 * kHour, "t", kT0 + 3 * kHour);
    REQUIRE(batch);
    std::string text;
    REQUIRE(lab.db.billing().export_batch_csv_text(batch->id,
                                                   [&](std::string_view t) { text.append(t); }));
    const std::string bob_line = "\ns-bob,m-2,Bob,company,lab,";
    CHECK(text.substr(text.find("\ns-bob,"), bob_line.size()) == bob_line);
    auto st = lab.db.database().prepare(
        "SELECT member_class FROM v_billable_sessions WHERE id = 's-bob'");
    REQUIRE(st);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    CHECK(st->text(0) == "company");
}

TEST_CASE("every invoice line says whether a minimum applied and whether it was rounded") {
    Lab lab;
    lab.tariff("student", 1000, [](Tariff& t) {
        t.minimum_s = 15 * 60;
        t.amount_rounding_minor = 50;
        t.rounding_mode = RoundingMode::Up;
    });
    // 6 min: billed 15 min = 2.50 exactly: minimum, not rounded.
    auto short_one = lab.deliver(test::finished_session("s-short", kT0, 6, "laser-1"), kT0 + kHour);
    CHECK(short_one.billable_s == 900);
    CHECK(short_one.amount_minor == 250);
    CHECK(short_one.minimum_applied);
    CHECK_FALSE(short_one.rounded);
    // 16 min = 2.6667: no minimum, rounded up to 3.00.
    auto longer =
        lab.deliver(test::finished_session("s-long", kT0 + kHour, 16, "laser-1"), kT0 + 2 * kHour);
    CHECK(longer.amount_minor == 300);
    CHECK_FALSE(longer.minimum_applied);
    CHECK(longer.rounded);
    CHECK_FALSE(longer.combined_with);

    auto batch = lab.db.billing().close_period(kT0 + 3 * kHour, "t", kT0 + 3 * kHour);
    REQUIRE(batch);
    std::vector<std::string> lines;
    REQUIRE(lab.db.billing().export_batch_csv(batch->id,
                                              [&](std::string_view l) { lines.emplace_back(l); }));
    REQUIRE(lines.size() == 3);
    auto ends_with = [](const std::string& s, std::string_view tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    CHECK(ends_with(lines[0], ",clock_synced,minimum,combined_with,rounded"));
    CHECK(lines[1].rfind("s-short,", 0) == 0);  // by member, then start
    CHECK(ends_with(lines[1], ",1,1,,0"));      // clock synced, minimum, alone, exact
    CHECK(ends_with(lines[2], ",1,0,,1"));      // clock synced, no minimum, alone, rounded
}

TEST_CASE("back-to-back sessions within the combine window are priced as one") {
    Lab lab;
    lab.tariff("student", 1200, [](Tariff& t) {
        t.increment_s = 15 * 60;
        t.start_fee_minor = 100;
        t.combine_window_s = 10 * 60;
    });
    // 10:00-10:10 on laser-1, out to swap material, back in at 10:15 on laser-2 (same group).
    auto a = lab.deliver(test::finished_session("a", kT0, 10, "laser-1"), kT0 + kHour);
    auto b =
        lab.deliver(test::finished_session("b", kT0 + 15 * kMinute, 8, "laser-2"), kT0 + kHour);
    CHECK(a.amount_minor == 400);  // 15 min = 3.00 + 1.00 fee
    CHECK_FALSE(a.combined_with);
    CHECK(b.combined_with == "a");
    CHECK(b.amount_minor == 300);  // the group is 18 min: 30 min billed, no second fee
    // The gap is measured from the last session's end: 10:23 + 10 min > 10:33 starts alone.
    auto c =
        lab.deliver(test::finished_session("c", kT0 + 33 * kMinute, 5, "laser-1"), kT0 + kHour);
    CHECK_FALSE(c.combined_with);
    CHECK(c.amount_minor == 400);
    auto d =
        lab.deliver(test::finished_session("d", kT0 + 42 * kMinute, 5, "laser-1"), kT0 + kHour);
    CHECK(d.combined_with == "c");
    CHECK(d.amount_minor == 0);  // 10 min in all: inside c's started 15 minutes
}

TEST_CASE("a late session joining a group of a closed batch never reprices that batch") {
    Lab lab;
    lab.tariff("student", 1200, [](Tariff& t) {
        t.increment_s = 15 * 60;
        t.start_fee_minor = 100;
        t.combine_window_s = 10 * 60;
    });
    auto a = lab.deliver(test::finished_session("a", kT0, 20, "laser-1"), kT0 + kHour);
    CHECK(a.amount_minor == 700);  // 30 min billed + fee
    auto closed = lab.db.billing().close_period(kT0 + kHour, "t", kT0 + kHour);
    REQUIRE(closed);
    // Session b (10:25-10:45) arrives after the close from an offline gate.
    auto b = lab.deliver(test::finished_session("b", kT0 + 25 * kMinute, 20, "laser-1"),
                         kT0 + 2 * kHour);
    CHECK(b.combined_with == "a");
    CHECK(b.amount_minor == 300);  // group 40 min = 45 billed + fee = 10.00, 7.00 was billed
    CHECK_FALSE(b.batch_id);       // it goes to the next batch
    auto a_again = lab.db.reports().session("a");
    REQUIRE(a_again);
    CHECK((*a_again)->amount_minor == 700);
    CHECK((*a_again)->batch_id == closed->id);
    auto next = lab.db.billing().close_period(kT0 + 3 * kHour, "t", kT0 + 3 * kHour);
    REQUIRE(next);
    CHECK(next->sessions == 1);
}

TEST_CASE("without a combine window every session is priced alone") {
    Lab lab;
    lab.tariff("student", 1200, [](Tariff& t) {
        t.increment_s = 15 * 60;
        t.start_fee_minor = 100;
    });
    lab.deliver(test::finished_session("a", kT0, 10, "laser-1"), kT0 + kHour);
    auto b =
        lab.deliver(test::finished_session("b", kT0 + 11 * kMinute, 8, "laser-1"), kT0 + kHour);
    CHECK_FALSE(b.combined_with);
    CHECK(b.amount_minor == 400);
}

TEST_CASE("a ledger from before class history keeps each member's class from the start") {
    test::TempDir dir;
    auto path = dir.file("old.db");
    {
        db::OpenOptions o;
        o.application_id = kLedgerApplicationId;
        o.application_name = "FabGate ledger";
        // Schema 3, the last before class history (migration 4).
        o.migrations = std::span<const db::Migration>(kMigrations.data(), 3);
        auto old = db::Database::open(path, o);
        REQUIRE(old);
        REQUIRE(
            old->exec("INSERT INTO members(id, name, member_class, created_at) "
                      "VALUES('m-1', 'Alice', 'student', 0)"));
        REQUIRE(
            old->exec("INSERT INTO machines(site, id, name, group_name) "
                      "VALUES('lab', 'laser-1', 'Laser', 'lasers')"));
    }
    auto db = LedgerDb::open(path);
    REQUIRE(db);
    CHECK(db->database().schema_version() == kMigrations.back().version);
    for (auto [cls, price] : {std::pair{"student", 600}, std::pair{"member", 1200}}) {
        Tariff t;
        t.target_kind = TargetKind::Group;
        t.target = "lasers";
        t.member_class = cls;
        t.price_per_hour_minor = price;
        REQUIRE(db->tariffs().add(t, "t", kT0));
    }
    auto m = db->members().find("m-1");
    REQUIRE(m);
    REQUIRE(*m);
    Member changed = **m;
    changed.member_class = "member";
    REQUIRE(db->members().update(changed, "t", kT0 + kHour));
    IngestBatch batch;
    auto s = test::finished_session("s-1", kT0, 30, "laser-1");
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", "laser-1", "sessions"), encode(s)));
    REQUIRE(db->ingest().apply(batch, kT0 + 2 * kHour));
    auto stored = db->reports().session("s-1");
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 300);  // half an hour as a student
}

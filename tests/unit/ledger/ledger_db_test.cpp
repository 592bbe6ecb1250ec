#include <doctest/doctest.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/topics.hpp"
#include "ledger/db_util.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

using fabgate::test::TempDir;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;  // 2026-01-01
constexpr UnixMs kHour = 3'600'000;

SessionRecord session(std::string id, UnixMs start, std::int64_t minutes,
                      std::string machine = "laser-1") {
    return test::finished_session(std::move(id), start, minutes, std::move(machine));
}

IngestItem item(const SessionRecord& s, std::string_view machine_topic = {}) {
    auto topic = topics::machine(
        "lab", machine_topic.empty() ? std::string_view(s.machine) : machine_topic, "sessions");
    return classify_session_message(topic, encode(s));
}

IngestSummary ingest(LedgerDb& db, std::vector<IngestItem> items, UnixMs now = kT0 + 100 * kHour) {
    IngestBatch batch;
    batch.sessions = std::move(items);
    auto summary = db.ingest().apply(batch, now);
    REQUIRE(summary);
    return *summary;
}

struct Fixture {
    TempDir dir;
    LedgerDb db = *LedgerDb::open(dir.file("ledger.db"));

    Fixture() {
        REQUIRE(
            db.machines().upsert({"lab", "laser-1", "Laser", std::string("lasers")}, "test", kT0));
        REQUIRE(db.machines().upsert({"lab", "printer-1", "Printer", std::nullopt}, "test", kT0));
        Member m;
        m.id = "m-1";
        m.name = "Alice";
        m.member_class = "standard";
        REQUIRE(db.members().add(m, "test", kT0));
        Tariff t;
        t.target_kind = TargetKind::Group;
        t.target = "lasers";
        t.member_class = "*";
        t.price_per_hour_minor = 1200;
        t.increment_s = 360;
        t.valid_from = 0;
        REQUIRE(db.tariffs().add(t, "test", kT0));
    }

    std::int64_t count(const char* sql) {
        auto st = db.database().prepare(sql);
        REQUIRE(st);
        REQUIRE(*st->step());
        return st->int64(0);
    }
};

}  // namespace

TEST_CASE(
    "a new session is stored once, priced by the tariff in force, and a resend is a duplicate") {
    Fixture f;
    auto s = session("019364c1-8a2b-7c3d-9e4f-0a1b2c3d4e5f", kT0, 30);
    auto first = ingest(f.db, {item(s)});
    REQUIRE(first.outcomes.size() == 1);
    CHECK(first.outcomes[0].result == IngestResult::Stored);
    CHECK(first.outcomes[0].ackable());
    CHECK(first.outcomes[0].ack_machine == "laser-1");
    auto stored = f.db.reports().session(s.id);
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 600);  // 30 min at 12.00/h
    CHECK((*stored)->currency == "EUR");

    // Same content, even with the keys in another order: a duplicate, acked, stored once.
    auto again =
        ingest(f.db, {item(s), classify_session_message("fabgate/lab/machines/laser-1/sessions",
                                                        nlohmann::json::parse(encode(s)).dump(2))});
    CHECK(again.outcomes[0].result == IngestResult::Duplicate);
    CHECK(again.outcomes[1].result == IngestResult::Duplicate);
    CHECK(again.outcomes[1].ackable());
    CHECK(f.count("SELECT count(*) FROM sessions") == 1);
}

TEST_CASE(
    "same id with different content is a conflict: the first row is kept, the newcomer recorded") {
    Fixture f;
    auto s = session("id-1", kT0, 30);
    ingest(f.db, {item(s)});
    auto changed = s;
    changed.powered_ms += 1000;
    auto out = ingest(f.db, {item(changed)});
    CHECK(out.outcomes[0].result == IngestResult::Conflict);
    CHECK(out.outcomes[0].ackable());
    CHECK((*f.db.reports().session("id-1"))->record.powered_ms == s.powered_ms);
    auto conflicts = f.db.ingest().conflicts();
    REQUIRE(conflicts);
    REQUIRE(conflicts->size() == 1);
    CHECK((*conflicts)[0].session_id == "id-1");
    CHECK((*conflicts)[0].payload == encode(changed));
}

TEST_CASE("a conflicting payload is kept like a refused one: its first 4 KiB, size and SHA-256") {
    Fixture f;
    auto s = session("id-1", kT0, 30);
    ingest(f.db, {item(s)});
    std::string last;
    for (int n = 1; n <= 5; ++n) {
        auto changed = s;
        changed.powered_ms += n * 1000;
        // Padded to near the 64 KiB payload limit: still a valid session, as a gate login may
        // send it, each one a distinct conflict.
        last = encode(changed);
        last.insert(1, std::string(60'000, ' '));
        auto out =
            ingest(f.db, {classify_session_message("fabgate/lab/machines/laser-1/sessions", last)});
        REQUIRE(out.outcomes[0].result == IngestResult::Conflict);
    }
    CHECK(f.count("SELECT count(*) FROM session_conflicts") == 5);
    CHECK(f.count("SELECT max(length(payload)) FROM session_conflicts") ==
          static_cast<std::int64_t>(kRefusedPayloadKeepBytes));
    const std::string sizes = "SELECT count(*) FROM session_conflicts WHERE payload_size = " +
                              std::to_string(last.size());
    CHECK(f.count(sizes.c_str()) == 5);
    auto hash = f.db.database().prepare(
        "SELECT payload_sha256 FROM session_conflicts ORDER BY id DESC LIMIT 1");
    REQUIRE(hash);
    REQUIRE(*hash->step());
    CHECK(hash->text(0) == ledger::detail::sha256_hex(last));
}

TEST_CASE("bad payloads go to ingest_errors; those with an id are acked, the others cannot be") {
    Fixture f;
    auto unknown_machine = session("id-unknown", kT0, 10, "mill-9");
    auto wrong_topic = session("id-wrong", kT0, 10, "printer-1");
    auto out = ingest(
        f.db,
        {
            item(unknown_machine),
            item(wrong_topic, "laser-1"),  // printer's session on the laser's topic
            classify_session_message("fabgate/lab/machines/laser-1/sessions",
                                     R"({"v":1,"type":"session","id":"id-bad","site":"lab"})"),
            classify_session_message("fabgate/lab/machines/laser-1/sessions", "not json {"),
            classify_session_message("fabgate/lab/machines/laser-1/sessions", R"({"v":1})"),
        });
    CHECK(out.outcomes[0].result == IngestResult::Rejected);
    CHECK(out.outcomes[0].reason.find("unknown machine lab/mill-9") != std::string::npos);
    CHECK(out.outcomes[1].result == IngestResult::Rejected);
    CHECK(out.outcomes[1].ack_machine == "laser-1");  // acked where it came from
    CHECK(out.outcomes[2].result == IngestResult::Rejected);
    CHECK(out.outcomes[2].id == "id-bad");
    for (int n : {0, 1, 2}) CHECK(out.outcomes[static_cast<std::size_t>(n)].ackable());
    CHECK(out.outcomes[3].result == IngestResult::Unackable);
    CHECK(out.outcomes[4].result == IngestResult::Unackable);
    CHECK_FALSE(out.outcomes[3].ackable());
    // The ledger's counters (its periodic log line) add these up.
    CHECK(out.stored == 0);
    CHECK(out.rejected == 3);
    CHECK(out.unackable == 2);
    CHECK(f.count("SELECT count(*) FROM sessions") == 0);
    auto errors = f.db.ingest().ingest_errors();
    REQUIRE(errors);
    CHECK(errors->size() == 5);
    CHECK(errors->back().session_id == "id-unknown");
    CHECK((*errors)[1].payload == "not json {");
}

TEST_CASE("history is never repriced; a late session is priced by the tariff of its start") {
    Fixture f;
    auto early = session("id-early", kT0, 60);
    ingest(f.db, {item(early)});
    Tariff dearer;
    dearer.target_kind = TargetKind::Machine;
    dearer.target = "laser-1";
    dearer.member_class = "*";
    dearer.price_per_hour_minor = 3000;
    dearer.valid_from = kT0 + 10 * kHour;
    REQUIRE(f.db.tariffs().add(dearer, "test", kT0 + 5 * kHour));
    auto late_but_old = session("id-late", kT0 + 2 * kHour, 60);  // started before the change
    auto new_one = session("id-new", kT0 + 11 * kHour, 60);
    ingest(f.db, {item(late_but_old), item(new_one)}, kT0 + 20 * kHour);
    CHECK((*f.db.reports().session("id-early"))->amount_minor == 1200);
    CHECK((*f.db.reports().session("id-late"))->amount_minor == 1200);
    CHECK((*f.db.reports().session("id-new"))->amount_minor == 3000);
    // Rows are history: the database itself refuses an edit.
    CHECK_FALSE(f.db.database().exec("UPDATE tariffs SET price_per_hour_minor = 1"));
}

TEST_CASE("a session without an applicable tariff is stored unpriced") {
    Fixture f;
    auto s = session("id-p", kT0, 60, "printer-1");
    auto out = ingest(f.db, {item(s)});
    CHECK(out.outcomes[0].result == IngestResult::Stored);
    auto stored = *f.db.reports().session("id-p");
    CHECK_FALSE(stored->tariff_id);
    CHECK_FALSE(stored->amount_minor);
    CHECK(f.count("SELECT unpriced FROM v_billable_sessions WHERE id = 'id-p'") == 1);
}

TEST_CASE("close_period: late sessions land in the next batch; closing again changes nothing") {
    Fixture f;
    ingest(f.db, {item(session("a", kT0, 30)), item(session("b", kT0 + 30 * kHour, 30))});
    auto jan = f.db.billing().close_period(kT0 + 24 * kHour, "test", kT0 + 25 * kHour);
    REQUIRE(jan);
    CHECK(jan->id == 1);
    CHECK(jan->sessions == 1);
    // An offline gate delivers a session of the closed day afterwards.
    ingest(f.db, {item(session("late", kT0 + 1 * kHour, 30))});
    auto again = f.db.billing().close_period(kT0 + 24 * kHour, "test", kT0 + 26 * kHour);
    REQUIRE(again);
    CHECK(again->id == 1);
    CHECK(again->sessions == 1);  // not billed into the closed batch
    CHECK_FALSE(f.db.billing().close_period(kT0 + 12 * kHour, "test", kT0 + 26 * kHour));
    auto next = f.db.billing().close_period(kT0 + 48 * kHour, "test", kT0 + 49 * kHour);
    REQUIRE(next);
    CHECK(next->id == 2);
    CHECK(next->period_start == kT0 + 24 * kHour);
    CHECK(next->sessions == 2);  // b and the late one
    CHECK(next->late_sessions == 1);
    CHECK((*f.db.reports().session("late"))->batch_id == 2);
    CHECK(f.count("SELECT count(*) FROM v_billable_sessions WHERE batch_id IS NULL") == 0);
    CHECK(f.db.billing().batches()->size() == 2);

    std::vector<std::string> lines;
    REQUIRE(f.db.billing().export_batch_csv(2, [&](std::string_view l) { lines.emplace_back(l); }));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].rfind("session_id,member_id,member_name", 0) == 0);
    CHECK(lines[1].find(",Alice,standard,lab,laser-1,") != std::string::npos);
    CHECK(lines[1].find(",600,6.00,EUR,1") != std::string::npos);
    CHECK(f.count("SELECT amount_minor FROM v_usage_by_member WHERE batch_id = 2") == 1200);
}

TEST_CASE("administrative changes are audited with the actor, before and after") {
    Fixture f;
    REQUIRE(f.db.badges().assign("04:a1:b2:c3", "m-1", "blue tag", "fabctl:bob", kT0 + 1));
    Right r;
    r.member_id = "m-1";
    r.target = "laser-1";
    r.role = Role::Supervisor;
    REQUIRE(f.db.rights().grant(r, "fabctl:bob", kT0 + 2));
    REQUIRE(f.db.members().set_status("m-1", MemberStatus::Suspended, "fabctl:bob", kT0 + 3));
    auto log = f.db.audit().rows(3);
    REQUIRE(log);
    REQUIRE(log->size() == 3);
    CHECK((*log)[0].action == "member.update");
    CHECK((*log)[0].before_json.find("\"active\"") != std::string::npos);
    CHECK((*log)[0].after_json.find("\"suspended\"") != std::string::npos);
    CHECK((*log)[1].action == "right.grant");
    CHECK((*log)[2].action == "badge.assign");
    CHECK((*log)[2].subject == "04A1B2C3");
    CHECK((*log)[2].actor == "fabctl:bob");

    // A badge has one holder: assigning it to another member moves it.
    Member m2;
    m2.id = "m-2";
    m2.name = "Bob";
    REQUIRE(f.db.members().add(m2, "t", kT0));
    REQUIRE(f.db.badges().assign("04A1B2C3", "m-2", "", "t", kT0 + 4));
    CHECK(f.db.badges().held_by("m-1")->empty());
    CHECK(f.db.badges().held_by("m-2")->size() == 1);
    CHECK(f.db.badges().held_by("m-2")->front().label == "blue tag");
    REQUIRE(f.db.audit().record("fabctl:bob", "machine.lock", "lab/laser-1", "", "{}", kT0 + 5));
    CHECK(f.db.audit().rows(1)->front().action == "machine.lock");
    CHECK_FALSE(f.db.audit().record("", "machine.lock", "lab/laser-1", "", "{}", kT0 + 5));
    CHECK_FALSE(f.db.badges().assign("04A1B2C3", "nobody", "", "t", kT0));
    CHECK_FALSE(f.db.badges().assign("not-a-uid", "m-1", "", "t", kT0));
}

TEST_CASE("a change whose audit row cannot be written is not made") {
    Fixture f;
    auto st = f.db.database().prepare(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
    REQUIRE(st);
    REQUIRE(st->run());
    Member m;
    m.id = "m-2";
    m.name = "Bob";
    CHECK_FALSE(f.db.members().add(m, "fabctl:bob", kT0 + 1));
    CHECK_FALSE(f.db.members().find("m-2")->has_value());
    CHECK_FALSE(f.db.badges().assign("04A1B2C3", "m-1", "", "fabctl:bob", kT0 + 2));
    CHECK(f.db.badges().all()->empty());
    CHECK_FALSE(f.db.machines().remove("lab", "printer-1", "fabctl:bob", kT0 + 3));
    CHECK(f.db.machines().find("lab", "printer-1")->has_value());
    Right r;
    r.member_id = "m-1";
    r.target = "laser-1";
    CHECK_FALSE(f.db.rights().grant(r, "fabctl:bob", kT0 + 4));
    CHECK(f.db.rights().all()->empty());
}

TEST_CASE("access lists from the database; versions never go down") {
    Fixture f;
    REQUIRE(f.db.badges().assign("04A1B2C3", "m-1", "", "t", kT0));
    Right r;
    r.member_id = "m-1";
    r.target_kind = TargetKind::Group;
    r.target = "lasers";
    REQUIRE(f.db.rights().grant(r, "t", kT0));
    auto laser = *f.db.machines().find("lab", "laser-1");
    auto list = f.db.access_lists().build(*laser, kT0);
    REQUIRE(list);
    REQUIRE(list->entries.size() == 1);
    CHECK(list->entries.begin()->second.role == Role::User);
    auto printer = f.db.access_lists().build(**f.db.machines().find("lab", "printer-1"), kT0);
    CHECK(printer->entries.empty());  // no right on the printer: the printer never sees the badge
    CHECK(acl_content_hash(*list) != acl_content_hash(*printer));

    REQUIRE(f.db.access_lists().record({"lab", "laser-1", 1, "h1", kT0, 1}));
    REQUIRE(f.db.access_lists().record({"lab", "laser-1", 2, "h2", kT0, 1}));
    CHECK_FALSE(f.db.access_lists().record({"lab", "laser-1", 2, "h3", kT0, 1}));
    CHECK((*f.db.access_lists().latest("lab", "laser-1"))->version == 2);
}

TEST_CASE("unknown badges and machine state from the gates' messages") {
    Fixture f;
    IngestBatch batch;
    batch.unknown_badges = {{"lab", "laser-1", "0A0B0C0D", kT0},
                            {"lab", "laser-1", "0A0B0C0D", kT0 + 5}};
    MachineStatus st;
    st.state = MachineState::Offline;
    st.since = kT0;
    batch.states.push_back({"lab", "laser-1", st});
    REQUIRE(f.db.ingest().apply(batch, kT0 + 10));
    auto unknown = f.db.badges().unknown();
    REQUIRE(unknown->size() == 1);
    CHECK(unknown->front().count == 2);
    CHECK(unknown->front().last_seen_at == kT0 + 5);
    auto states = f.db.ingest().machine_states();
    REQUIRE(states->size() == 1);
    CHECK(states->front().status.state == MachineState::Offline);
    // Once the badge is handed out it is no longer unknown.
    REQUIRE(f.db.badges().assign("0A0B0C0D", "m-1", "", "t", kT0 + 20));
    CHECK(f.db.badges().unknown()->empty());
}

TEST_CASE("a member's badge reported at a machine where they have no right is not unknown") {
    // A gate's list holds only the badges with a right there, so it reports any other member's
    // badge as unknown. Listing it would offer the manager to enrol a badge someone holds.
    Fixture f;
    REQUIRE(f.db.badges().assign("0B0B0B0B", "m-1", "", "t", kT0));
    IngestBatch batch;
    batch.unknown_badges = {{"lab", "printer-1", "0B0B0B0B", kT0 + 1},
                            {"lab", "printer-1", "0C0C0C0C", kT0 + 2}};
    REQUIRE(f.db.ingest().apply(batch, kT0 + 10));
    auto unknown = f.db.badges().unknown();
    REQUIRE(unknown->size() == 1);
    CHECK(unknown->front().uid == "0C0C0C0C");
    // Handed back to the drawer, the badge is a stranger's again when it is next seen.
    REQUIRE(f.db.badges().unassign("0B0B0B0B", "t", kT0 + 20));
    CHECK(f.db.badges().unknown()->size() == 2);
}

TEST_CASE("programs opening a new ledger at the same moment all get it, migrated once") {
    // fabledger creating its database while a manager's first fabctl opens it: each reads the
    // schema version, and the one that migrates second must not run a migration again
    // ("duplicate column name").
    for (int round = 0; round < 5; ++round) {
        TempDir dir;
        auto path = dir.file("ledger.db");
        REQUIRE(db::Database::open(path, {}));  // an empty SQLite file, as a first open leaves
        constexpr int kOpeners = 6;
        std::vector<std::string> errors(kOpeners);
        std::vector<std::thread> openers;
        for (int i = 0; i < kOpeners; ++i)
            openers.emplace_back([&, i] {
                auto db = LedgerDb::open(path);
                if (!db) errors[i] = db.error().message();
            });
        for (auto& t : openers) t.join();
        for (const auto& e : errors) CHECK_MESSAGE(e.empty(), e);
        auto db = LedgerDb::open(path);
        REQUIRE(db);
        CHECK(db->database().schema_version() == kMigrations.back().version);
    }
}

TEST_CASE("a corrupt database file is refused with a clear error and left untouched") {
    TempDir dir;
    auto path = dir.file("ledger.db");
    {
        auto db = LedgerDb::open(path);
        REQUIRE(db);
    }
    // Overwrite the middle of the file (schema pages) with garbage.
    std::string before;
    {
        std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(100);
        std::string junk(4000, '\x5a');
        io.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        before = s.str();
    }
    OpenOptions options;
    options.verify_integrity = true;
    auto refused = LedgerDb::open(path, options);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message().find(path) != std::string::npos);
    CHECK(refused.error().message().find("refusing to touch it") != std::string::npos);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream after;
    after << in.rdbuf();
    CHECK(after.str() == before);

    // Not a database at all.
    auto text = dir.file("notes.txt");
    std::ofstream(text) << "members: alice, bob\n";
    auto not_db = LedgerDb::open(text);
    REQUIRE_FALSE(not_db);
    CHECK(not_db.error().message().find("not a readable SQLite database") != std::string::npos);
}

TEST_CASE("a database with a newer schema or of another program is refused") {
    TempDir dir;
    auto path = dir.file("ledger.db");
    { REQUIRE(LedgerDb::open(path)); }
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    auto newer = LedgerDb::open(path);
    REQUIRE_FALSE(newer);
    CHECK(newer.error().message().find("newer") != std::string::npos);

    auto other = dir.file("journal.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(other.c_str(), &raw) == SQLITE_OK);
        sqlite3_exec(raw,
                     "PRAGMA application_id = 1234; PRAGMA user_version = 1; CREATE TABLE x(y);",
                     nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    auto foreign = LedgerDb::open(other);
    REQUIRE_FALSE(foreign);
    CHECK(foreign.error().message().find("not a FabGate ledger database") != std::string::npos);
}

TEST_CASE("fabctl's writes from another connection are visible through data_version") {
    Fixture f;
    auto other = LedgerDb::open(f.dir.file("ledger.db"));
    REQUIRE(other);
    auto v1 = f.db.data_version();
    REQUIRE(v1);
    Member m;
    m.id = "m-9";
    m.name = "Zed";
    REQUIRE(other->members().add(m, "fabctl", kT0));
    CHECK(*f.db.data_version() != *v1);
}

TEST_CASE("a session of a member the ledger never had is held on a priced machine, then priced") {
    Fixture f;
    Tariff members_only;
    members_only.target_kind = TargetKind::Machine;
    members_only.target = "printer-1";
    members_only.member_class = "standard";
    members_only.price_per_hour_minor = 600;
    REQUIRE(f.db.tariffs().add(members_only, "test", kT0));
    auto s = session("id-guest", kT0, 60, "printer-1");
    s.member = "m-unknown";
    // Priced now it would be by the wrong class (''), and a stored session is never repriced.
    CHECK(ingest(f.db, {item(s)}).outcomes[0].result == IngestResult::Rejected);
    CHECK_FALSE(*f.db.reports().session("id-guest"));
    CHECK(f.db.ingest().parked_summary()->sessions == 1);

    Member guest;
    guest.id = "m-unknown";
    guest.name = "Guest";
    guest.member_class = "standard";
    REQUIRE(f.db.members().add(guest, "test", kT0 + 1));
    auto replayed = f.db.ingest().replay_parked("test", kT0 + 2);
    REQUIRE(replayed);
    CHECK(replayed->ingested == 1);
    CHECK((*f.db.reports().session("id-guest"))->amount_minor == 600);
}

TEST_CASE("a session in a future protocol version is kept as an error and acked, not lost") {
    auto payload = R"({"v":2,"type":"session","id":"id-v2","site":"lab","machine":"laser-1"})";
    auto classified = classify_session_message("fabgate/lab/machines/laser-1/sessions", payload);
    CHECK_FALSE(classified.session);
    CHECK(classified.id == "id-v2");
    CHECK(classified.reason.find("schema version 2") != std::string::npos);
    Fixture f;
    auto out = ingest(f.db, {classified});
    CHECK(out.outcomes[0].result == IngestResult::Rejected);
    CHECK(out.outcomes[0].ackable());
    CHECK(f.db.ingest().ingest_errors()->front().payload == payload);
}

TEST_CASE("usage reports sum each member's and machine's sessions in the range, priced or not") {
    Fixture f;
    Member bob;
    bob.id = "m-2";
    bob.name = "Bob";
    bob.member_class = "standard";
    REQUIRE(f.db.members().add(bob, "test", kT0));
    auto by_bob = [](SessionRecord s) {
        s.member = "m-2";
        return s;
    };
    ingest(f.db, {item(session("a", kT0, 30)), item(session("b", kT0 + kHour, 10, "printer-1")),
                  item(by_bob(session("c", kT0 + 2 * kHour, 60))),
                  item(by_bob(session("late", kT0 + 50 * kHour, 60)))});
    // The plain SQL grouping the reports must agree with, over the first day.
    const UnixMs from = kT0, to = kT0 + 24 * kHour;
    auto members = f.db.reports().usage_by_member(from, to);
    REQUIRE(members);
    REQUIRE(members->size() == 3);  // Alice priced (laser), Alice unpriced (printer), Bob
    CHECK((*members)[0].key == "m-1");
    CHECK((*members)[0].label == "Alice");
    CHECK((*members)[0].currency.empty());
    CHECK((*members)[0].unpriced == 1);
    CHECK((*members)[0].powered_ms == 10 * 60'000);
    CHECK((*members)[1].key == "m-1");
    CHECK((*members)[1].currency == "EUR");
    CHECK((*members)[1].sessions == 1);
    CHECK((*members)[1].amount_minor == 600);
    CHECK((*members)[2].key == "m-2");
    CHECK((*members)[2].label == "Bob");
    CHECK((*members)[2].amount_minor == 1200);  // the session ending on day 3 is not counted
    auto machines = f.db.reports().usage_by_machine(from, to);
    REQUIRE(machines);
    REQUIRE(machines->size() == 2);
    CHECK((*machines)[0].key == "lab/laser-1");
    CHECK((*machines)[0].label == "Laser");
    CHECK((*machines)[0].sessions == 2);
    CHECK((*machines)[0].amount_minor == 1800);
    CHECK((*machines)[0].billable_s == 90 * 60);
    CHECK((*machines)[1].key == "lab/printer-1");
    CHECK((*machines)[1].unpriced == 1);
}

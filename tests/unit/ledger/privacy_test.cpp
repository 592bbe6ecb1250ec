// The audit log cannot be rewritten quietly, and a member's data can be exported, forgotten
// and is purged after the retention period (docs/privacy.md).
#include <doctest/doctest.h>

#include <pwd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/topics.hpp"
#include "ledger/ledger_config.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "ledger_test_support.hpp"
#include "old_schema.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using fabgate::test::TempDir;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;  // 2026-01-01
constexpr UnixMs kDay = 86'400'000;

struct Lab {
    TempDir dir;
    LedgerDb db = *LedgerDb::open(dir.file("ledger.db"));

    Lab() {
        REQUIRE(db.machines().upsert({"lab", "laser-1", "Laser", std::nullopt}, "fabctl:ann", kT0));
        Tariff t;
        t.target = "laser-1";
        t.member_class = "*";
        t.price_per_hour_minor = 1200;
        t.increment_s = 60;
        REQUIRE(db.tariffs().add(t, "fabctl:ann", kT0));
        add("m-1", "Alice Martin", "alice@example.org", "04A1B2C3");
        add("m-2", "Bob Durand", "bob@example.org", "0A0B0C0D");
    }

    void add(const std::string& id, const std::string& name, const std::string& contact,
             const std::string& uid) {
        Member m;
        m.id = id;
        m.name = name;
        m.contact = contact;
        REQUIRE(db.members().add(m, "fabctl:ann", kT0));
        REQUIRE(db.badges().assign(uid, id, "", "fabctl:ann", kT0));
        REQUIRE(db.rights().grant({id, TargetKind::Machine, "laser-1", Role::User, "", 0, {}},
                                  "fabctl:ann", kT0));
    }

    void session_of(const std::string& member, const std::string& uid, const std::string& id,
                    std::int64_t minutes) {
        auto s = test::finished_session(id, kT0 + kDay, minutes, "laser-1");
        s.member = member;
        s.uid = uid;
        store(s);
    }
    // The gate stores the UID of the badge that took the machine over in `ended_by`.
    void taken_over(const std::string& member, const std::string& uid, const std::string& id,
                    std::int64_t minutes, const std::string& by_uid) {
        auto s = test::finished_session(id, kT0 + kDay + 3'600'000, minutes, "laser-1");
        s.member = member;
        s.uid = uid;
        s.end_reason = EndReason::Takeover;
        s.ended_by = by_uid;
        store(s);
    }
    void store(const SessionRecord& s) {
        IngestBatch batch;
        batch.sessions.push_back(
            classify_session_message(topics::machine("lab", "laser-1", "sessions"), encode(s)));
        auto summary = db.ingest().apply(batch, kT0 + kDay);
        REQUIRE(summary);
        REQUIRE(summary->stored == 1);
    }

    std::int64_t count(const std::string& sql) {
        auto st = db.database().prepare(sql);
        REQUIRE(st);
        REQUIRE(*st->step());
        return st->int64(0);
    }
    bool exec(const std::string& sql) { return db.database().exec(sql).has_value(); }
};

std::string everything(LedgerDb& db) {
    std::string all;
    for (const char* table :
         {"members", "member_class_history", "badges", "rights", "sessions", "unknown_badges",
          "machine_state", "audit_log", "ingest_errors", "session_conflicts"}) {
        auto st = db.database().prepare(std::string("SELECT * FROM ") + table);
        REQUIRE(st);
        while (*st->step())
            for (int c = 0; c < 20; ++c) all += st->optional_text(c).value_or("") + "|";
    }
    return all;
}

}  // namespace

TEST_CASE("audit rows name the Unix user and form a chain that fabctl check verifies") {
    Lab lab;
    auto rows = lab.db.audit().rows(1000);
    REQUIRE(rows);
    REQUIRE(rows->size() >= 6);
    const passwd* pw = getpwuid(getuid());
    REQUIRE(pw);
    CHECK(rows->front().os_user.rfind(pw->pw_name, 0) == 0);
    CHECK(rows->front().actor == "fabctl:ann");
    auto chain = lab.db.audit().verify_chain();
    REQUIRE(chain);
    CHECK(chain->rows == static_cast<std::int64_t>(rows->size()));
    CHECK_FALSE(chain->first_broken);
}

TEST_CASE("the audit log refuses UPDATE and DELETE, even from another SQLite client") {
    Lab lab;
    CHECK_FALSE(lab.exec("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2"));
    CHECK_FALSE(lab.exec("UPDATE audit_log SET after_json = '{}' WHERE id = 2"));
    CHECK_FALSE(lab.exec("UPDATE audit_log SET row_hash = NULL WHERE id = 2"));
    CHECK_FALSE(lab.exec("DELETE FROM audit_log WHERE id = 2"));
    CHECK_FALSE(lab.exec("DELETE FROM audit_log"));
    // Pointing a row at a forget row that does not exist, or at itself, is refused as well.
    CHECK_FALSE(lab.exec("UPDATE audit_log SET redacted_by = 2 WHERE id = 2"));
    CHECK(lab.count("SELECT count(*) FROM audit_log WHERE actor = 'someone-else'") == 0);
}

TEST_CASE("with the triggers dropped, check names the first row changed or removed") {
    Lab lab;
    REQUIRE(lab.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"));
    SUBCASE("a changed row") {
        REQUIRE(lab.exec("UPDATE audit_log SET actor = 'fabctl:nobody' WHERE id = 4"));
        auto chain = lab.db.audit().verify_chain();
        REQUIRE(chain);
        CHECK(chain->first_broken == 4);
        CHECK(chain->problem.find("content") != std::string::npos);
    }
    SUBCASE("a removed row") {
        REQUIRE(lab.exec("DELETE FROM audit_log WHERE id = 3"));
        auto chain = lab.db.audit().verify_chain();
        REQUIRE(chain);
        CHECK(chain->first_broken == 4);
    }
    SUBCASE("a row added around the ledger") {
        REQUIRE(
            lab.exec("INSERT INTO audit_log(at, actor, action, subject) VALUES(1, 'x', 'y', "
                     "'z')"));
        auto last = lab.count("SELECT max(id) FROM audit_log");
        auto chain = lab.db.audit().verify_chain();
        REQUIRE(chain);
        CHECK(chain->first_broken == last);
    }
}

TEST_CASE("rows written before the chain existed are sealed when the ledger opens") {
    TempDir dir;
    auto path = dir.file("old.db");
    {
        // A ledger from before the chain: schema 2, before parked sessions.
        auto old = test::open_ledger_before(path, kSchemaParked);
        REQUIRE(old);
        REQUIRE(
            old->exec("INSERT INTO audit_log(at, actor, action, subject, after_json) "
                      "VALUES(1, 'fabctl:ann', 'member.add', 'm-1', '{}'), "
                      "(2, 'fabctl:ann', 'member.remove', 'm-1', '')"));
    }
    auto db = LedgerDb::open(path);
    REQUIRE(db);
    CHECK(db->database().schema_version() == kMigrations.back().version);
    REQUIRE(db->audit().record("fabctl:ann", "member.add", "m-2", "", "{}", 3));
    auto chain = db->audit().verify_chain();
    REQUIRE(chain);
    CHECK(chain->rows == 3);
    CHECK_FALSE(chain->first_broken);
}

TEST_CASE("members export gives everything held about one member and nothing about others") {
    Lab lab;
    lab.session_of("m-1", "04A1B2C3", "s-1", 30);
    lab.session_of("m-2", "0A0B0C0D", "s-2", 10);
    lab.taken_over("m-2", "0A0B0C0D", "s-3", 20, "04A1B2C3");
    auto text = lab.db.privacy().export_member("m-1");
    REQUIRE(text);
    auto doc = nlohmann::json::parse(*text);
    CHECK(doc["member"]["name"] == "Alice Martin");
    CHECK(doc["member"]["contact"] == "alice@example.org");
    REQUIRE(doc["badges"].size() == 1);
    CHECK(doc["badges"][0]["uid"] == "04A1B2C3");
    CHECK(doc["rights"].size() == 1);
    REQUIRE(doc["sessions"].size() == 1);
    CHECK(doc["sessions"][0]["amount_minor"] == 600);
    CHECK(doc["audit_log"].size() == 3);  // added, badge assigned, right granted
    REQUIRE(doc["member_class_history"].size() == 1);
    CHECK(doc["member_class_history"][0]["valid_from"] == 0);
    REQUIRE(doc["sessions_ended_by_their_badge"].size() == 1);  // when and where, not whose
    CHECK(doc["sessions_ended_by_their_badge"][0]["session"] == "s-3");
    CHECK(text->find("Bob") == std::string::npos);
    CHECK(text->find("0A0B0C0D") == std::string::npos);
    CHECK_FALSE(lab.db.privacy().export_member("m-9"));
}

TEST_CASE("members forget removes name, contact and UID everywhere; amounts stay; chain holds") {
    Lab lab;
    lab.session_of("m-1", "04A1B2C3", "s-1", 30);
    lab.session_of("m-2", "0A0B0C0D", "s-2", 10);
    lab.taken_over("m-2", "0A0B0C0D", "s-3", 20, "04A1B2C3");  // Alice took Bob's laser over
    IngestBatch sighting;  // the member's badge seen before it was assigned, and a bad payload
    sighting.unknown_badges = {{"lab", "laser-1", "04A1B2C3", kT0}};
    sighting.bad_topics_payloads = {
        {"fabgate/lab/machines/laser-1/state", R"({"member":"m-1","name":"Alice Martin"})"}};
    sighting.bad_reasons = {"bad state"};
    REQUIRE(lab.db.ingest().apply(sighting, kT0));
    REQUIRE(
        lab.db.members().set_status("m-1", MemberStatus::Suspended, "fabctl:ann", kT0 + 2 * kDay));
    // Audit text that is not JSON, about the member's badge: redacted as text.
    REQUIRE(lab.db.audit().record("fabctl:ann", "badge.note", "04A1B2C3", "",
                                  "lost by Alice Martin", kT0 + 2 * kDay));
    auto total_before = lab.count("SELECT sum(amount_minor) FROM sessions");

    auto pseudonym = lab.db.privacy().forget_member("m-1", "fabctl:ann", kT0 + 3 * kDay);
    REQUIRE_MESSAGE(pseudonym, (pseudonym ? "" : pseudonym.error().message()));
    CHECK(pseudonym->rfind("forgotten-", 0) == 0);

    auto all = everything(lab.db);
    for (const char* personal : {"Alice", "alice@example.org", "04A1B2C3", "\"m-1\"", "|m-1|"})
        CHECK_MESSAGE(all.find(personal) == std::string::npos, personal);
    CHECK(all.find("Bob Durand") != std::string::npos);  // the other member is untouched
    CHECK(lab.count("SELECT sum(amount_minor) FROM sessions") == total_before);
    CHECK(lab.count("SELECT count(*) FROM sessions WHERE member_id = '" + *pseudonym + "'") == 1);
    CHECK(lab.count("SELECT count(*) FROM v_usage_by_member WHERE member_id = '" + *pseudonym +
                    "' AND amount_minor = 600") == 1);
    CHECK(lab.count("SELECT amount_minor FROM sessions WHERE id = 's-3' AND member_id = 'm-2' "
                    "AND ended_by = 'forgotten'") == 400);
    // Their class moves to the pseudonym: a session held for them still finds its price.
    CHECK(lab.count("SELECT count(*) FROM member_class_history WHERE member_id = '" + *pseudonym +
                    "'") == 1);
    CHECK_FALSE(lab.db.members().find("m-1")->has_value());

    auto chain = lab.db.audit().verify_chain();
    REQUIRE(chain);
    CHECK_FALSE(chain->first_broken);
    CHECK(chain->redacted == 5);
    // The forget path cannot be borrowed to rewrite a row it did not list.
    auto forget_row = lab.count("SELECT max(id) FROM audit_log");
    REQUIRE(
        lab.exec("UPDATE audit_log SET after_json = '{\"price_per_hour_minor\":1}', "
                 "redacted_by = " +
                 std::to_string(forget_row) + " WHERE action = 'tariff.add'"));
    chain = lab.db.audit().verify_chain();
    REQUIRE(chain);
    CHECK(chain->first_broken == lab.count("SELECT id FROM audit_log WHERE action = 'tariff.add'"));
}

TEST_CASE("the retention purge removes old sightings and refused payloads, and is audited") {
    Lab lab;
    IngestBatch old_batch;
    old_batch.unknown_badges = {{"lab", "laser-1", "11223344", kT0}};
    old_batch.bad_topics_payloads = {{"fabgate/lab/machines/laser-1/state", "{"}};
    old_batch.bad_reasons = {"not JSON"};
    REQUIRE(lab.db.ingest().apply(old_batch, kT0));
    IngestBatch recent = old_batch;
    recent.unknown_badges = {{"lab", "laser-1", "55667788", kT0 + 40 * kDay}};
    REQUIRE(lab.db.ingest().apply(recent, kT0 + 40 * kDay));

    auto purged = lab.db.privacy().purge_expired(kT0 + 10 * kDay, "fabctl:ann", kT0 + 40 * kDay);
    REQUIRE(purged);
    CHECK(purged->unknown_badges == 1);
    CHECK(purged->ingest_errors == 1);
    CHECK(lab.count("SELECT count(*) FROM unknown_badges") == 1);
    CHECK(lab.count("SELECT count(*) FROM ingest_errors") == 1);
    CHECK(lab.count("SELECT count(*) FROM audit_log WHERE action = 'privacy.purge'") == 1);
}

TEST_CASE("a refused payload is kept up to 4 KiB with its hash and size, at a bounded rate") {
    Lab lab;
    const std::string huge(5 * 1024 * 1024, 'x');  // the attack: 5 MB publishes from one gate
    for (int n = 0; n < 30; ++n) {
        IngestBatch batch;
        batch.bad_topics_payloads = {{"fabgate/lab/machines/laser-1/state", huge}};
        batch.bad_reasons = {"not JSON"};
        auto done = lab.db.ingest().apply(batch, kT0 + n * 1000);
        REQUIRE_MESSAGE(done, (done ? "" : done.error().message()));
    }
    CHECK(lab.count("SELECT max(length(payload)) FROM ingest_errors") ==
          static_cast<std::int64_t>(kRefusedPayloadKeepBytes));
    CHECK(lab.count("SELECT count(*) FROM ingest_errors WHERE payload_size = 5242880") == 30);
    CHECK(lab.count("SELECT count(*) FROM ingest_errors WHERE payload != ''") ==
          kRefusedStoredPerMinute);
    CHECK(lab.count("SELECT sum(length(payload)) FROM ingest_errors") <= 10 * 4096);
    auto counts = lab.db.ingest().refused_counts();
    REQUIRE(counts);
    REQUIRE(counts->size() == 1);
    CHECK(counts->front().machine == "laser-1");
    CHECK(counts->front().refused == 30);
    CHECK(counts->front().not_stored == 30 - kRefusedStoredPerMinute);

    // A minute later the machine may store payloads again.
    IngestBatch later;
    later.bad_topics_payloads = {{"fabgate/lab/machines/laser-1/state", "{"}};
    later.bad_reasons = {"not JSON"};
    REQUIRE(lab.db.ingest().apply(later, kT0 + 120'000));
    CHECK(lab.count("SELECT count(*) FROM ingest_errors WHERE payload = '{'") == 1);
    auto hash =
        lab.db.database().prepare("SELECT payload_sha256 FROM ingest_errors WHERE payload = '{'");
    REQUIRE(hash);
    REQUIRE(*hash->step());
    CHECK(hash->text(0) ==
          "021fb596db81e6d02bf3d2586ee3981fe519f275c0ac9ca76bbcf2ebb4097d96");  // sha256("{")
}

TEST_CASE("retention_days is read from the ledger's config, within 1 to 3650 days") {
    CHECK(load_ledger_config_text("{}")->retention_days == 90);
    CHECK(load_ledger_config_text(R"({"retention_days": 30})")->retention_days == 30);
    auto bad = load_ledger_config_text(R"({"retention_days": 0})");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().front().message().find("retention_days") != std::string::npos);
}

TEST_CASE("purge deletes old refusals but never a held session, which is unbilled money") {
    TempDir dir;
    auto db = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    auto held = test::finished_session("held-1", 1'000, 45, "mill-1");  // machine not registered
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", "mill-1", "sessions"), encode(held)));
    batch.sessions.push_back(
        classify_session_message(topics::machine("lab", "mill-1", "sessions"), "not json"));
    REQUIRE(db->ingest().apply(batch, 2'000));
    auto parked = db->ingest().parked_summary();
    REQUIRE(parked);
    REQUIRE(parked->sessions == 1);

    auto purged =
        db->privacy().purge_expired(10'000'000, "t", 10'000'000);  // both are older than that
    REQUIRE(purged);
    CHECK(purged->ingest_errors == 1);  // the refused garbage
    auto after = db->ingest().parked_summary();
    REQUIRE(after);
    CHECK(after->sessions == 1);

    REQUIRE(db->machines().upsert({"lab", "mill-1", "Mill", std::nullopt}, "t", 10'000'001));
    auto report = db->ingest().replay_parked("t", 10'000'002, "lab", "mill-1");
    REQUIRE(report);
    CHECK(report->ingested == 1);
    auto stored = db->reports().session("held-1");
    REQUIRE(stored);
    CHECK(stored->has_value());
}

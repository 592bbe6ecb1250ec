// fabctl end to end, in-process, against a temporary ledger file: what the manager types,
// what comes out, what the exit code is, and what the ledger then holds.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/messages.hpp"
#include "core/topics.hpp"
#include "ctl/broker_publish.hpp"
#include "ctl/fabctl.hpp"
#include "ledger/ledger_db.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using nlohmann::json;

namespace {

constexpr UnixMs kFeb1 = 1'769'904'000'000;  // 2026-02-01T00:00:00Z
constexpr UnixMs kMar1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr UnixMs kMinute = 60'000;

struct Run {
    int code = -1;
    std::string out, err;
    json parsed() const { return json::parse(out); }
};

struct Published {
    std::string topic, payload;
    BrokerConfig login;
};

struct Lab {
    std::filesystem::path dir;
    std::string db_path;
    UnixMs now = kMar1 + 10 * kMinute;
    std::vector<Published> published;
    std::optional<Error> broker_failure;
    // What the fake gate answers: confirmed unless told otherwise.
    Delivery gate_answer = Delivery::Confirmed;

    Lab() {
        char tmpl[] = "/tmp/fabctl-test-XXXXXX";
        dir = mkdtemp(tmpl);
        db_path = (dir / "ledger.db").string();
    }
    ~Lab() { std::filesystem::remove_all(dir); }

    Environment env() {
        Environment e;
        e.now = [this] { return now; };
        e.getenv = [](const char* name) -> std::optional<std::string> {
            if (std::string(name) == "USER") return "alice";
            return std::nullopt;
        };
        e.send_command = [this](const BrokerConfig& login,
                                const CommandRequest& request) -> CommandDelivery {
            CommandDelivery d;
            d.where = "broker " + login.host + ":" + std::to_string(login.port);
            if (broker_failure) {
                d.outcome = Delivery::BrokerUnreachable;
                d.where = broker_failure->where;
                d.detail = broker_failure->what;
                return d;
            }
            published.push_back({request.command_topic, encode(request.command), login});
            d.outcome = gate_answer;
            d.detail = gate_answer == Delivery::Confirmed ? "the gate reports maintenance"
                                                          : "no state showing it within 5.0 s";
            return d;
        };
        return e;
    }

    // fabctl --db <temp> args...
    Run run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--db", db_path});
        return run_raw(std::move(args));
    }
    Run run_raw(const std::vector<std::string>& args) {
        std::ostringstream out, err;
        Run r;
        r.code = run_fabctl(args, out, err, env());
        r.out = out.str();
        r.err = err.str();
        return r;
    }
    // A step of the set-up that must work.
    std::string ok(std::vector<std::string> args) {
        auto r = run(args);
        INFO(r.err);
        REQUIRE(r.code == 0);
        return r.out;
    }

    // Direct access for what only gates produce: sessions, sightings, states.
    ledger::LedgerDb open() {
        auto db = ledger::LedgerDb::open(db_path);
        REQUIRE(db);
        return std::move(*db);
    }

    void standard_setup() {
        ok({"init"});
        ok({"machines", "add", "lab/laser-1", "--name", "Laser cutter", "--group", "lasers"});
        ok({"machines", "add", "lab/printer-1", "--name", "Prusa MK4"});
        ok({"members", "add", "m-1", "--name", "Smith, \"Al\"", "--class", "student"});
        ok({"members", "add", "m-2", "--name", "Bob", "--class", "company"});
    }
};

SessionRecord session(std::string id, std::string member, std::string machine, UnixMs start,
                      std::int64_t minutes) {
    SessionRecord s;
    s.id = std::move(id);
    s.site = "lab";
    s.machine = std::move(machine);
    s.uid = "04A1B2C3";
    s.member = std::move(member);
    s.started_at = start;
    s.ended_at = start + minutes * kMinute;
    s.clock_synced = true;
    s.powered_ms = minutes * kMinute;
    return s;
}

void ingest(ledger::LedgerDb& db, const std::vector<SessionRecord>& sessions,
            std::vector<ledger::SeenBadge> seen = {}) {
    ledger::IngestBatch batch;
    for (const auto& s : sessions)
        batch.sessions.push_back(ledger::classify_session_message(
            topics::machine(s.site, s.machine, "sessions"), encode(s)));
    batch.unknown_badges = std::move(seen);
    auto summary = db.ingest().apply(batch, kMar1);
    REQUIRE(summary);
    REQUIRE(summary->stored == static_cast<std::int64_t>(sessions.size()));
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("add a member, assign a badge in any spelling, grant a right, show it all") {
    Lab lab;
    lab.standard_setup();
    CHECK(lab.ok({"badges", "assign", "04:a1:b2:c3", "m-1", "--label", "blue fob"})
              .find("04A1B2C3") != std::string::npos);
    lab.ok({"rights", "grant", "m-1", "laser-1", "--until", "2026-12-31"});
    lab.ok({"rights", "grant", "m-1", "--group", "lasers", "--role", "supervisor"});

    auto show = lab.run({"members", "show", "m-1"});
    REQUIRE(show.code == 0);
    CHECK(show.out.find("Smith, \"Al\"") != std::string::npos);
    CHECK(show.out.find("04A1B2C3") != std::string::npos);
    CHECK(show.out.find("blue fob") != std::string::npos);
    CHECK(show.out.find("supervisor") != std::string::npos);

    auto j = lab.run({"--json", "members", "show", "m-1"}).parsed();
    CHECK(j["class"] == "student");
    REQUIRE(j["badges"].size() == 1);
    CHECK(j["badges"][0]["uid"] == "04A1B2C3");
    REQUIRE(j["rights"].size() == 2);
    CHECK(j["rights"][1]["target"] == "laser-1");
    CHECK(j["rights"][1]["until"] == "2026-12-31T00:00:00Z");
    CHECK(j["rights"][1]["granted_by"] == "alice");

    // The gate side sees it the same way: the access list holds the canonical uid.
    auto db = lab.open();
    auto machine = db.machines().find("lab", "laser-1");
    REQUIRE(machine);
    REQUIRE(*machine);
    auto acl = db.access_lists().build(**machine, lab.now);
    REQUIRE(acl);
    auto entry = acl->find(*Uid::parse("04A1B2C3"));
    REQUIRE(entry != nullptr);
    CHECK(entry->role == Role::Supervisor);

    // Every change is in the audit log with who made it.
    auto log = db.audit().rows(100);
    REQUIRE(log);
    bool badge_logged = false;
    for (const auto& row : *log) {
        CHECK(row.actor == "fabctl:alice");
        badge_logged = badge_logged || (row.action == "badge.assign" && row.subject == "04A1B2C3");
    }
    CHECK(badge_logged);
}

TEST_CASE("--actor names who made the change") {
    Lab lab;
    lab.ok({"init"});
    lab.ok({"--actor", "bob", "members", "add", "m-9", "--name", "Nine"});
    auto log = lab.open().audit().rows(1);
    REQUIRE(log);
    REQUIRE(log->size() == 1);
    CHECK(log->front().actor == "fabctl:bob");
    CHECK(log->front().action == "member.add");
}

TEST_CASE("a blank --actor is a usage error, and nothing is written under it") {
    Lab lab;
    lab.ok({"init"});
    auto r = lab.run({"--actor", "   ", "members", "add", "m-9", "--name", "Nine"});
    CHECK(r.code == 2);
    CHECK(r.err.find("fabctl: --actor: is blank") != std::string::npos);
    CHECK(r.err.find("Run with --help") != std::string::npos);
    CHECK(lab.run({"--json", "members", "list"}).parsed().empty());
}

TEST_CASE("a badge held by someone else moves only with --move") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"badges", "assign", "04A1B2C3", "m-1"});
    auto refused = lab.run({"badges", "assign", "04-a1-b2-c3", "m-2"});
    CHECK(refused.code == 1);
    CHECK(refused.err.find("belongs to member m-1") != std::string::npos);
    lab.ok({"badges", "assign", "04-a1-b2-c3", "m-2", "--move"});
    auto j = lab.run({"--json", "badges", "list"}).parsed();
    REQUIRE(j.size() == 1);
    CHECK(j[0]["member"] == "m-2");
}

TEST_CASE("enrol the last unknown badge presented at a machine") {
    Lab lab;
    lab.standard_setup();
    {
        auto db = lab.open();
        ingest(db, {},
               {{"lab", "laser-1", "DEADBEEF", kMar1 - 60 * kMinute},
                {"lab", "laser-1", "0A0B0C0D", lab.now - kMinute},
                {"lab", "printer-1", "11223344", lab.now}});
    }
    auto unknown = lab.run({"--json", "badges", "unknown"}).parsed();
    REQUIRE(unknown.size() == 3);
    CHECK(unknown[0]["uid"] == "11223344");  // newest first
    CHECK(unknown[1]["machine"] == "lab/laser-1");

    auto text = lab.run({"badges", "unknown", "--machine", "laser-1"});
    CHECK(text.out.find("0A0B0C0D") != std::string::npos);
    CHECK(text.out.find("11223344") == std::string::npos);

    auto enrolled = lab.run({"badges", "assign", "--last-unknown-at", "laser-1", "m-2"});
    INFO(enrolled.err);
    REQUIRE(enrolled.code == 0);
    CHECK(enrolled.out.find("0A0B0C0D") != std::string::npos);
    auto badges = lab.run({"--json", "badges", "list", "--member", "m-2"}).parsed();
    REQUIRE(badges.size() == 1);
    CHECK(badges[0]["uid"] == "0A0B0C0D");
    // Known now, so no longer listed as unknown.
    auto after = lab.run({"--json", "badges", "unknown"}).parsed();
    for (const auto& u : after) CHECK(u["uid"] != "0A0B0C0D");

    // A sighting older than --max-age is not taken: it may be someone else's badge.
    auto stale =
        lab.run({"badges", "assign", "--last-unknown-at", "lab/laser-1", "m-1", "--max-age", "5m"});
    CHECK(stale.code == 1);
    CHECK(stale.err.find("DEADBEEF") != std::string::npos);
    auto nothing = lab.run({"badges", "assign", "--last-unknown-at", "printer-2", "m-1"});
    CHECK(nothing.code == 1);
    CHECK(nothing.err.find("no unknown badge") != std::string::npos);
}

TEST_CASE("usage report: minutes and amounts per member, machine and session") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"tariffs", "set", "--group", "lasers", "--class", "any", "--per-hour", "12.00",
            "--increment", "6m", "--from", "2026-01-01"});
    {
        auto db = lab.open();
        ingest(db, {
                       // 30 min: 5 increments of 6 min at 12.00/h = 6.00
                       session("019c0000-0000-7000-8000-000000000001", "m-1", "laser-1",
                               kFeb1 + 60 * kMinute, 30),
                       // 7 min: 2 started increments = 12 min = 2.40
                       session("019c0000-0000-7000-8000-000000000002", "m-1", "laser-1",
                               kFeb1 + 120 * kMinute, 7),
                       // printer: no tariff, unpriced
                       session("019c0000-0000-7000-8000-000000000003", "m-2", "printer-1",
                               kFeb1 + 180 * kMinute, 60),
                       // ends exactly at --to: belongs to the next period
                       session("019c0000-0000-7000-8000-000000000004", "m-2", "laser-1",
                               kMar1 - 30 * kMinute, 30),
                   });
    }
    auto by_member =
        lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to", "2026-03-01"});
    INFO(by_member.err);
    REQUIRE(by_member.code == 0);
    auto j = by_member.parsed();
    REQUIRE(j["rows"].size() == 2);
    CHECK(j["rows"][0]["member"] == "m-1");
    CHECK(j["rows"][0]["sessions"] == 2);
    CHECK(j["rows"][0]["billable_s"] == 42 * 60);
    CHECK(j["rows"][0]["powered_ms"] == 37 * kMinute);
    CHECK(j["rows"][0]["amount_minor"] == 840);
    CHECK(j["rows"][0]["currency"] == "EUR");
    CHECK(j["rows"][1]["member"] == "m-2");
    CHECK(j["rows"][1]["unpriced"] == 1);
    CHECK(j["rows"][1]["amount_minor"] == 0);
    CHECK(by_member.err.find("1 session(s) have no tariff") != std::string::npos);

    auto table = lab.run({"usage", "report", "--from", "2026-02-01", "--to", "2026-03-01"});
    CHECK(table.out.find("8.40") != std::string::npos);
    CHECK(table.out.find("TOTAL") != std::string::npos);
    CHECK(table.out.find("37.0") != std::string::npos);  // powered minutes of m-1

    auto csv = lab.run(
        {"usage", "report", "--from", "2026-02-01", "--to", "2026-03-01", "--format", "csv"});
    CHECK(csv.out.rfind("member,name,currency,sessions,powered_min,active_min,billable_min,"
                        "amount,unpriced\n",
                        0) == 0);
    CHECK(csv.out.find("m-1,\"Smith, \"\"Al\"\"\",EUR,2,37.0,0.0,42.0,8.40,0\n") !=
          std::string::npos);

    auto by_machine = lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to",
                               "2026-03-01", "--by", "machine"})
                          .parsed();
    REQUIRE(by_machine["rows"].size() == 2);
    CHECK(by_machine["rows"][0]["machine"] == "lab/laser-1");
    CHECK(by_machine["rows"][0]["amount_minor"] == 840);

    auto by_session = lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to",
                               "2026-03-01", "--by", "session"})
                          .parsed();
    REQUIRE(by_session.size() == 3);
    CHECK(by_session[1]["amount_minor"] == 240);
    CHECK(by_session[1]["billable_s"] == 720);
    CHECK(by_session[2]["amount_minor"].is_null());

    // The member's page lists their sessions, newest first.
    auto shown = lab.run({"--json", "members", "show", "m-1"}).parsed();
    REQUIRE(shown["recent_sessions"].size() == 2);
    CHECK(shown["recent_sessions"][0]["billable_s"] == 720);
    CHECK(shown["recent_sessions"][0]["machine"] == "lab/laser-1");
}

TEST_CASE("billing close makes one numbered batch; closing again returns it unchanged") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "10", "--from",
            "2026-01-01"});
    {
        auto db = lab.open();
        ingest(db, {session("019c0000-0000-7000-8000-000000000011", "m-1", "laser-1",
                            kFeb1 + kMinute, 60),
                    session("019c0000-0000-7000-8000-000000000012", "m-2", "printer-1",
                            kFeb1 + 2 * kMinute, 15)});
    }
    auto first = lab.run({"--json", "billing", "close", "--to", "2026-03-01"});
    INFO(first.err);
    REQUIRE(first.code == 0);
    auto b1 = first.parsed();
    CHECK(b1["id"] == 1);
    CHECK(b1["sessions"] == 2);
    CHECK(b1["already_closed"] == false);

    auto again = lab.run({"billing", "close", "--to", "2026-03-01"});
    REQUIRE(again.code == 0);
    CHECK(again.out.find("already closed: batch 1") != std::string::npos);
    auto b1_again = lab.run({"--json", "billing", "close", "--to", "2026-03-01"}).parsed();
    CHECK(b1_again["id"] == 1);
    CHECK(b1_again["sessions"] == 2);
    CHECK(b1_again["already_closed"] == true);

    auto batches = lab.run({"--json", "billing", "batches"}).parsed();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0]["totals"][0]["amount_minor"] == 1000);
    CHECK(batches[0]["totals"][0]["currency"] == "EUR");

    auto csv = lab.run({"billing", "export", "1"});
    REQUIRE(csv.code == 0);
    std::istringstream lines(csv.out);
    std::string header, line;
    std::getline(lines, header);
    CHECK(header.rfind("session_id,member_id,member_name", 0) == 0);
    int count = 0;
    while (std::getline(lines, line)) ++count;
    CHECK(count == 2);
    CHECK(csv.out.find("\"Smith, \"\"Al\"\"\"") != std::string::npos);

    auto exported = lab.run({"billing", "export", "1", "--format", "json"}).parsed();
    CHECK(exported["sessions_detail"].size() == 2);

    auto future = lab.run({"billing", "close", "--to", "2026-04-01"});
    CHECK(future.code == 2);
    CHECK(future.err.find("--to") != std::string::npos);
    auto earlier = lab.run({"billing", "close", "--to", "2026-02-15"});
    CHECK(earlier.code == 2);
    auto missing = lab.run({"billing", "export", "7"});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("batch 7") != std::string::npos);
}

TEST_CASE("bad arguments give exit code 2 and name the argument") {
    Lab lab;
    lab.standard_setup();
    struct Case {
        std::vector<std::string> args;
        std::string named;
    };
    const std::vector<Case> cases = {
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "12.505"}, "--per-hour"},
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "1", "--increment", "6"},
         "--increment"},
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "1", "--currency", "EURO"},
         "--currency"},
        {{"members", "add", "m-3"}, "--name"},
        {{"members", "add", "m 3", "--name", "X"}, "ID"},
        {{"members", "add", "m-3", "--name", "X", "--until", "2026-02-30"}, "--until"},
        {{"members", "list", "--status", "asleep"}, "--status"},
        {{"members", "list", "--frobnicate"}, "--frobnicate"},
        {{"rights", "grant", "m-1", "laser-1", "--role", "boss"}, "--role"},
        {{"rights", "grant", "m-1"}, "MACHINE"},
        {{"badges", "assign", "XYZ", "m-1"}, "UID"},
        {{"usage", "report", "--from", "2026-03-01", "--to", "2026-02-01"}, "--to"},
        {{"usage", "report", "--from", "yesterday", "--to", "2026-02-01"}, "--from"},
        {{"billing", "export", "zero"}, "BATCH"},
        {{"billing", "export", "0"}, "1 or more"},
        {{"members", "show", "m-1", "--sessions", "20000"}, "--sessions"},
        {{"machines", "add", "laser-9", "--name", "X"}, "SITE/ID"},
        {{"members"}, "give a command: add, edit"},
        {{"members", "lsit"}, "unknown command 'lsit'"},
        {{"nonsense"}, "nonsense"},
    };
    for (const auto& c : cases) {
        auto r = lab.run(c.args);
        std::string line;
        for (const auto& a : c.args) line += a + " ";
        INFO(line, "\nstderr: ", r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(c.named) != std::string::npos);
        CHECK(r.out.empty());
    }
}

TEST_CASE("every command has --help, which exits 0") {
    Lab lab;
    for (std::vector<std::string> args :
         std::vector<std::vector<std::string>>{{},
                                               {"members"},
                                               {"members", "add"},
                                               {"members", "edit"},
                                               {"members", "suspend"},
                                               {"members", "reinstate"},
                                               {"members", "remove"},
                                               {"members", "list"},
                                               {"members", "show"},
                                               {"badges", "assign"},
                                               {"badges", "unassign"},
                                               {"badges", "list"},
                                               {"badges", "unknown"},
                                               {"rights", "grant"},
                                               {"rights", "revoke"},
                                               {"rights", "list"},
                                               {"machines", "add"},
                                               {"machines", "list"},
                                               {"machines", "lock"},
                                               {"machines", "unlock"},
                                               {"machines", "end-session"},
                                               {"tariffs", "set"},
                                               {"tariffs", "list"},
                                               {"usage", "report"},
                                               {"billing", "close"},
                                               {"billing", "batches"},
                                               {"billing", "export"},
                                               {"audit"},
                                               {"errors"}}) {
        args.push_back("--help");
        auto r = lab.run_raw(args);
        std::string name = args.size() > 1 ? args[0] + " " + args[1] : std::string("fabctl");
        INFO(name);
        CHECK(r.code == 0);
        CHECK(r.out.find("Usage:") != std::string::npos);
    }
}

TEST_CASE("a corrupt database file gives a clear error and is left as it was") {
    Lab lab;
    {
        std::ofstream garbage(lab.db_path, std::ios::binary);
        for (int i = 0; i < 4096; ++i) garbage.put(static_cast<char>((i * 7919) % 251));
    }
    auto before = file_bytes(lab.db_path);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"},
          std::vector<std::string>{"members", "add", "m-1", "--name", "X"},
          std::vector<std::string>{"init"}}) {
        auto r = lab.run(args);
        CHECK(r.code == 1);
        CHECK(r.err.find(lab.db_path) != std::string::npos);
        CHECK(r.err.find("not a readable SQLite database") != std::string::npos);
    }
    CHECK(file_bytes(lab.db_path) == before);
    CHECK_FALSE(std::filesystem::exists(lab.db_path + "-wal"));
}

TEST_CASE("a ledger damaged inside is reported and not written to") {
    Lab lab;
    lab.standard_setup();
    std::int64_t root = 0;
    {
        auto db = lab.open();
        auto st = db.database().prepare("SELECT rootpage FROM sqlite_master WHERE name='members'");
        REQUIRE(st);
        REQUIRE(st->step().value_or(false));
        root = st->int64(0);
    }
    REQUIRE_FALSE(std::filesystem::exists(lab.db_path + "-wal"));  // checkpointed on close
    {
        std::fstream f(lab.db_path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(root - 1) * 4096);
        for (int i = 0; i < 200; ++i) f.put(static_cast<char>(0xAB));
    }
    auto before = file_bytes(lab.db_path);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"},
          std::vector<std::string>{"members", "add", "m-3", "--name", "X"},
          std::vector<std::string>{"check"}}) {
        auto r = lab.run(args);
        INFO(r.err);
        CHECK(r.code == 1);
        CHECK(r.err.find(lab.db_path) != std::string::npos);
        CHECK(r.err.find("damaged") != std::string::npos);
    }
    CHECK(file_bytes(lab.db_path) == before);
}

TEST_CASE("another program's SQLite file is refused, not migrated") {
    Lab lab;
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(lab.db_path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "PRAGMA application_id=1234; CREATE TABLE t(x);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(other);
    auto before = file_bytes(lab.db_path);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"}, std::vector<std::string>{"init"}}) {
        auto r = lab.run(args);
        CHECK(r.code == 1);
        // Which file, that it is not a ledger, and that it was left alone.
        CHECK(r.err == "fabctl: " + lab.db_path +
                           ": is not a FabGate ledger database (application_id 1234); refusing "
                           "to touch it\n");
        CHECK(file_bytes(lab.db_path) == before);
        CHECK_FALSE(std::filesystem::exists(lab.db_path + "-wal"));
    }
}

TEST_CASE("a missing database is not created by accident") {
    Lab lab;
    auto r = lab.run({"members", "list"});
    CHECK(r.code == 1);
    CHECK(r.err.find("fabctl --db " + lab.db_path + " init") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(lab.db_path));
    // Without --db and without the default config, the manager is told what to give.
    auto no_config = lab.run_raw({"--config", (lab.dir / "nope.json").string(), "members", "list"});
    CHECK(no_config.code == 1);
    CHECK(no_config.err.find("nope.json") != std::string::npos);
}

TEST_CASE("the config file gives the database") {
    Lab lab;
    auto config = (lab.dir / "ledger.json").string();
    std::ofstream(config) << R"({"database": ")" << lab.db_path << R"("})";
    REQUIRE(lab.run_raw({"--config", config, "init"}).code == 0);
    auto r = lab.run_raw({"--config", config, "members", "add", "m-1", "--name", "A"});
    CHECK(r.code == 0);
    std::ofstream(config) << R"({"database": ")" << lab.db_path << R"(", "colour": 1})";
    auto bad = lab.run_raw({"--config", config, "members", "list"});
    CHECK(bad.code == 1);
    CHECK(bad.err.find("colour") != std::string::npos);
}

TEST_CASE("suspend and reinstate, with the reason in the audit log") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"members", "suspend", "m-1", "--reason", "unpaid fees"});
    auto suspended = lab.run({"--json", "members", "list", "--status", "suspended"}).parsed();
    REQUIRE(suspended.size() == 1);
    CHECK(suspended[0]["id"] == "m-1");
    auto log = lab.run({"audit", "--limit", "5"});
    CHECK(log.out.find("unpaid fees") != std::string::npos);
    lab.ok({"members", "reinstate", "m-1"});
    CHECK(lab.run({"--json", "members", "list", "--status", "suspended"}).parsed().empty());

    lab.ok({"members", "edit", "m-2", "--until", "2026-02-01"});
    auto expired = lab.run({"--json", "members", "list", "--status", "expired"}).parsed();
    REQUIRE(expired.size() == 1);
    CHECK(expired[0]["id"] == "m-2");
    lab.ok({"members", "edit", "m-2", "--until", "never"});
    CHECK(lab.run({"--json", "members", "show", "m-2"}).parsed()["until"].is_null());
}

TEST_CASE("lock, unlock and end-session publish a command to the machine's topic") {
    Lab lab;
    lab.standard_setup();
    auto r = lab.run({"machines", "lock", "laser-1", "--reason", "new lens"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("confirmed by the gate") != std::string::npos);
    REQUIRE(lab.published.size() == 1);
    CHECK(lab.published[0].topic == "fabgate/lab/machines/laser-1/commands");
    auto command = decode_command(lab.published[0].payload);
    REQUIRE(command);
    CHECK(command->kind == CommandKind::Lock);
    CHECK(command->by == "alice");
    CHECK(command->reason == "new lens");

    lab.ok({"machines", "end-session", "lab/printer-1"});
    REQUIRE(lab.published.size() == 2);
    CHECK(decode_command(lab.published[1].payload)->kind == CommandKind::EndSession);

    auto log = lab.open().audit().rows(1);
    REQUIRE(log);
    CHECK(log->front().action == "machine.end_session");
    CHECK(json::parse(log->front().after_json)["outcome"] == "confirmed");

    lab.broker_failure = Error{"broker 127.0.0.1:1883", "not reachable"};
    auto down = lab.run({"machines", "unlock", "laser-1"});
    CHECK(down.code == 1);
    CHECK(down.err.find("broker 127.0.0.1:1883") != std::string::npos);
    auto audited = lab.open().audit().rows(1);
    CHECK(json::parse(audited->front().after_json)["outcome"] == "broker_unreachable");
    auto unknown = lab.run({"machines", "lock", "laser-9"});
    CHECK(unknown.code == 1);
    CHECK(unknown.err.find("laser-9") != std::string::npos);
}

TEST_CASE("machines list shows the ledger's lock, which an offline gate has not applied yet") {
    Lab lab;
    lab.standard_setup();
    lab.gate_answer = Delivery::NotConfirmed;  // the gate is offline
    CHECK(lab.run({"machines", "lock", "laser-1", "--reason", "new lens"}).code == 1);
    auto rows = lab.run({"--json", "machines", "list"}).parsed();
    REQUIRE(rows.size() == 2);
    for (const auto& row : rows) {
        if (row["machine"] == "lab/laser-1")
            CHECK(row["lock"] == "alice: new lens");
        else
            CHECK(row["lock"].is_null());
    }
    lab.gate_answer = Delivery::Confirmed;
    lab.ok({"machines", "unlock", "laser-1"});
    for (const auto& row : lab.run({"--json", "machines", "list"}).parsed())
        CHECK(row["lock"].is_null());
}

TEST_CASE(
    "a lock is the ledger's desired state: recorded, audited, in the access list; unlock clears "
    "it") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"machines", "lock", "laser-1", "--reason", "new lens"});
    auto db = lab.open();
    auto machine = db.machines().find("lab", "laser-1").value();
    auto lock = db.machines().lock_of("lab", "laser-1").value();
    REQUIRE(lock);
    CHECK(lock->by == "alice");
    CHECK(lock->reason == "new lens");
    CHECK(lock->since == lab.now);
    auto list = db.access_lists().build(*machine, lab.now).value();
    REQUIRE(list.maintenance);
    CHECK(list.maintenance->reason == "new lens");
    // Signed with the list: the lock is part of what the signature covers.
    CHECK(signed_content(list).find("\"maintenance\"") != std::string::npos);
    auto log = db.audit().rows(2).value();
    CHECK(log[0].action == "machine.lock");
    CHECK(log[1].action == "machine.maintenance");
    CHECK(log[1].before_json.empty());
    CHECK(json::parse(log[1].after_json)["reason"] == "new lens");
    CHECK_FALSE(db.access_lists()
                    .build(*db.machines().find("lab", "printer-1").value(), lab.now)
                    .value()
                    .maintenance);

    lab.ok({"machines", "unlock", "laser-1"});
    auto after = lab.open();
    CHECK_FALSE(after.machines().lock_of("lab", "laser-1").value());
    CHECK_FALSE(after.access_lists()
                    .build(*after.machines().find("lab", "laser-1").value(), lab.now)
                    .value()
                    .maintenance);
    CHECK(after.audit().rows(2).value()[1].action == "machine.maintenance");
}

TEST_CASE("a command the gate does not confirm is reported as such, exit 1, and audited") {
    Lab lab;
    lab.standard_setup();
    lab.gate_answer = Delivery::NotConfirmed;
    auto r = lab.run({"machines", "end-session", "laser-1"});
    CHECK(r.code == 1);
    CHECK(r.err.find("not confirmed by the gate") != std::string::npos);
    // Ending a session is no desired state: nothing will bring it to the gate later.
    CHECK(r.err.find("the ledger has") == std::string::npos);
    CHECK(r.out.find("confirmed") == std::string::npos);
    auto log = lab.open().audit().rows(1).value();
    CHECK(log[0].action == "machine.end_session");
    CHECK(json::parse(log[0].after_json)["outcome"] == "not_confirmed");

    auto lock = lab.run({"--json", "machines", "lock", "laser-1"});
    CHECK(lock.code == 1);
    CHECK(lock.parsed()["outcome"] == "not_confirmed");
    CHECK(lock.err.find("the ledger has the lock") != std::string::npos);
}

TEST_CASE("fabctl refuses the ledger's broker login and says why") {
    Lab lab;
    lab.standard_setup();
    auto write = [&](const std::string& name, const std::string& text) {
        auto path = (lab.dir / name).string();
        std::ofstream(path) << text;
        return path;
    };
    auto ledger_login = write("ledger-login.json",
                              R"({"broker": {"host": "localhost", "port": 8883,
                                  "username": "fabledger", "password": "x"}})");
    auto r = lab.run({"--broker-config", ledger_login, "machines", "lock", "laser-1"});
    CHECK(r.code == 1);
    CHECK(r.err.find("'fabledger' is the ledger's") != std::string::npos);
    CHECK(r.err.find("fabgate-enrol-gate --manager") != std::string::npos);
    CHECK(lab.published.empty());
    CHECK_FALSE(lab.open().machines().lock_of("lab", "laser-1").value());  // nothing written

    // A ledger config with a login, and no manager login: refused, never borrowed.
    auto ledger_config = write("ledger.json", R"({"database": ")" + lab.db_path +
                                                  R"(", "broker": {"host": "localhost",
                                                  "port": 8883, "username": "ledger-x",
                                                  "password": "x"}})");
    auto borrowed = lab.run_raw({"--config", ledger_config, "machines", "lock", "laser-1"});
    CHECK(borrowed.code == 1);
    CHECK(borrowed.err.find("'ledger-x' is the ledger's") != std::string::npos);
    CHECK(lab.published.empty());

    auto maria = write("maria.json", R"({"broker": {"host": "localhost", "port": 8883,
                                         "username": "manager-maria", "password": "x"}})");
    auto same_name = write("other.json", R"({"broker": {"username": "ledger-x"}})");
    CHECK(lab.run_raw({"--config", ledger_config, "--broker-config", same_name, "machines", "lock",
                       "laser-1"})
              .code == 1);
    auto ok = lab.run_raw(
        {"--config", ledger_config, "--broker-config", maria, "machines", "lock", "laser-1"});
    INFO(ok.err);
    CHECK(ok.code == 0);
    REQUIRE(lab.published.size() == 1);
    CHECK(lab.published[0].login.username == "manager-maria");
}

TEST_CASE("the gate's state confirms a command only when it shows the command's effect") {
    MachineStatus idle, locked, in_use, offline;
    locked.state = MachineState::Maintenance;
    locked.locked = true;
    in_use.state = MachineState::InUse;
    in_use.session = "s-1";
    offline.state = MachineState::Offline;
    offline.locked = true;
    CHECK(shows_effect(CommandKind::Lock, idle, locked));
    CHECK_FALSE(shows_effect(CommandKind::Lock, idle, idle));
    CHECK_FALSE(shows_effect(CommandKind::Lock, idle, offline));  // the broker's will
    CHECK(shows_effect(CommandKind::Unlock, locked, idle));
    CHECK_FALSE(shows_effect(CommandKind::Unlock, locked, locked));
    CHECK_FALSE(shows_effect(CommandKind::EndSession, in_use, in_use));
    CHECK(shows_effect(CommandKind::EndSession, in_use, idle));
}

TEST_CASE("an unreachable broker is reported, naming it, within the timeout") {
    BrokerConfig broker;
    broker.host = "127.0.0.1";
    broker.port = 1;  // nothing listens there
    CommandRequest request{"fabgate/lab/machines/x/commands", "fabgate/lab/machines/x/state",
                           Command{}, std::chrono::milliseconds(300)};
    auto r = send_and_confirm(broker, request);
    CHECK(r.outcome == Delivery::BrokerUnreachable);
    CHECK(r.where == "broker 127.0.0.1:1");
    CHECK(r.detail.find("not reachable") != std::string::npos);
}

TEST_CASE("machines list shows live state and gates that are not registered") {
    Lab lab;
    lab.standard_setup();
    {
        auto db = lab.open();
        ledger::IngestBatch batch;
        MachineStatus in_use;
        in_use.state = MachineState::InUse;
        in_use.since = lab.now - kMinute;
        in_use.member = "m-1";
        in_use.name = "Al";
        batch.states.push_back({"lab", "laser-1", in_use});
        batch.states.push_back({"lab", "mill-1", MachineStatus{}});
        REQUIRE(db.ingest().apply(batch, lab.now));
    }
    auto j = lab.run({"--json", "machines", "list"}).parsed();
    REQUIRE(j.size() == 3);
    CHECK(j[0]["machine"] == "lab/laser-1");
    CHECK(j[0]["state"] == "in_use");
    CHECK(j[1]["state"].is_null());  // printer never reported
    CHECK(j[2]["machine"] == "lab/mill-1");
    CHECK(j[2]["name"].is_null());
    auto text = lab.run({"machines", "list"});
    CHECK(text.out.find("(not registered)") != std::string::npos);
}

TEST_CASE("tariffs: money without floating point, listing what is in force") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "12.50", "--start-fee",
            "1.00", "--minimum", "2", "--free-below", "2m", "--round", "0.05", "--from",
            "2026-01-01"});
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "14.10", "--from",
            "2026-02-15T12:00:00Z"});
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "15", "--from",
            "2027-01-01"});
    auto j = lab.run({"--json", "tariffs", "list"}).parsed();
    REQUIRE(j.size() == 3);
    CHECK(j[0]["price_per_hour_minor"] == 1250);
    CHECK(j[0]["start_fee_minor"] == 100);
    CHECK(j[0]["minimum_minor"] == 200);
    CHECK(j[0]["free_below_s"] == 120);
    CHECK(j[0]["amount_rounding_minor"] == 5);
    CHECK(j[0]["state"] == "superseded");
    CHECK(j[1]["price_per_hour_minor"] == 1410);
    CHECK(j[1]["valid_from"] == "2026-02-15T12:00:00Z");
    CHECK(j[1]["state"] == "in force");
    CHECK(j[2]["state"] == "future");
    CHECK(lab.run({"--json", "tariffs", "list", "--current"}).parsed().size() == 1);
}

TEST_CASE("tariffs set: rounding mode and step, and every rule echoed") {
    Lab lab;
    lab.standard_setup();
    auto text = lab.run({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "12",
                         "--start-fee", "1", "--minimum", "2.50", "--free-below", "2m", "--round",
                         "0.50", "--rounding", "up", "--from", "2026-01-01"});
    CHECK(text.code == 0);
    CHECK(text.out.find("start fee 1.00 EUR") != std::string::npos);
    CHECK(text.out.find("minimum 2.50 EUR") != std::string::npos);
    CHECK(text.out.find("free below 2m") != std::string::npos);
    CHECK(text.out.find("rounding up to 0.50 EUR") != std::string::npos);
    auto j = lab.run({"--json", "tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3",
                      "--round", "0.10", "--rounding", "down"})
                 .parsed();
    CHECK(j["rounding"] == "down");
    CHECK(j["round_minor"] == 10);
    CHECK(j["minimum_minor"] == 0);
    CHECK(j["start_fee_minor"] == 0);
    CHECK(j["free_below_s"] == 0);
    CHECK(j["combine_window_s"] == 0);
    auto window = lab.run({"tariffs", "set", "--group", "lasers", "--class", "any", "--per-hour",
                           "12", "--combine-window", "10m"});
    CHECK(window.code == 0);
    CHECK(window.out.find("combine window 10m") != std::string::npos);
    auto list = lab.run({"--json", "tariffs", "list"}).parsed();
    REQUIRE(list.size() == 3);
    CHECK(list[2]["combine_window_s"] == 600);
    CHECK(list[0]["rounding_mode"] == "up");
    CHECK(list[0]["amount_rounding_minor"] == 50);
    CHECK(list[1]["rounding_mode"] == "down");
    // A step that is not published is refused, naming the option.
    auto bad = lab.run(
        {"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3", "--round", "0.25"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--round") != std::string::npos);
    auto mode = lab.run({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3",
                         "--rounding", "ceiling"});
    CHECK(mode.code != 0);
}

TEST_CASE("tariffs set: a minimum in minutes, echoed and billed") {
    Lab lab;
    lab.standard_setup();
    auto text = lab.run({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "30",
                         "--minimum-time", "15m", "--from", "2026-01-01"});
    CHECK(text.code == 0);
    CHECK(text.out.find("minimum 0.00 EUR and 15m") != std::string::npos);
    CHECK(lab.run({"--json", "tariffs", "list"}).parsed()[0]["minimum_s"] == 900);
    auto db = lab.open();
    auto s = session("0190a000-0000-7000-8000-000000000015", "m-1", "laser-1", kFeb1, 6);
    ingest(db, {s});
    auto stored = db.reports().session(s.id);
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->billable_s == 900);
    CHECK((*stored)->amount_minor == 750);
    auto lines = lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to", "2026-03-01",
                          "--by", "session"})
                     .parsed();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["rules"] == "minimum");
    auto bad = lab.run(
        {"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3", "--minimum-time", "2d"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--minimum-time") != std::string::npos);
}

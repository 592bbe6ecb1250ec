// fabctl's privacy and audit commands end to end: init's file mode, check on the audit chain,
// the Unix user in the audit log, members export/forget and the retention purge.
#include <doctest/doctest.h>

#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/messages.hpp"
#include "core/topics.hpp"
#include "ctl/fabctl.hpp"
#include "lab_fixture.hpp"
#include "ledger/ledger_db.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using nlohmann::json;

namespace {

constexpr UnixMs kMar1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr UnixMs kDay = 86'400'000;

// The shared fabctl fixture (lab_fixture.hpp), with members' data to export and forget.
struct Lab : test::ZonedLab {
    Lab() : ZonedLab("", kMar1) {}
    void setup() {
        ok({"init"});
        ok({"machines", "add", "lab/laser-1", "--name", "Laser cutter"});
        ok({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "12.00", "--from",
            "2026-01-01"});
        ok({"members", "add", "m-1", "--name", "Alice Martin", "--contact", "alice@example.org"});
        ok({"badges", "assign", "04A1B2C3", "m-1"});
        ok({"rights", "grant", "m-1", "laser-1"});
    }
};

}  // namespace

TEST_CASE("init creates the ledger 0660 whatever the umask: no other local user reads it") {
    Lab lab;
    mode_t old = umask(0);
    auto r = lab.run({"init"});
    umask(old);
    REQUIRE(r.code == 0);
    struct stat st {};
    REQUIRE(stat(lab.db_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0660);
    for (const char* suffix : {"-wal", "-shm"})
        if (stat((lab.db_path + suffix).c_str(), &st) == 0) CHECK((st.st_mode & 0007) == 0);
}

TEST_CASE("check warns about a ledger every local user can read") {
    Lab lab;
    lab.ok({"init"});
    REQUIRE(chmod(lab.db_path.c_str(), 0644) == 0);
    auto r = lab.run({"check"});
    CHECK(r.code == 0);
    CHECK(r.err.find("open to every local user (mode 0644)") != std::string::npos);
}

TEST_CASE("the audit log shows the Unix user next to the actor") {
    Lab lab;
    lab.setup();
    auto log = json::parse(lab.ok({"--json", "audit", "--limit", "1"}));
    REQUIRE(log.size() == 1);
    CHECK(log[0]["actor"] == "fabctl:alice");
    const passwd* pw = getpwuid(getuid());
    REQUIRE(pw);
    CHECK(log[0]["unix_user"].get<std::string>().rfind(pw->pw_name, 0) == 0);
}

TEST_CASE("check verifies the audit chain and names the first row changed behind its back") {
    Lab lab;
    lab.setup();
    auto good = lab.run({"check"});
    CHECK(good.code == 0);
    CHECK(good.out.find("audit chain of 5 row(s) verified") != std::string::npos);
    {
        auto db = lab.open();
        REQUIRE(db.database().exec("DROP TRIGGER audit_log_no_update"));
        REQUIRE(db.database().exec(
            "UPDATE audit_log SET actor = 'fabctl:mallory' WHERE action = 'right.grant'"));
    }
    auto bad = lab.run({"check"});
    CHECK(bad.code == 1);
    CHECK(bad.err.find("audit log row 5 its content was changed") != std::string::npos);
}

TEST_CASE("members export and forget answer an access and an erasure request") {
    Lab lab;
    lab.setup();
    {
        auto db = lab.open();
        SessionRecord s;
        s.id = "s-1";
        s.site = "lab";
        s.machine = "laser-1";
        s.uid = "04A1B2C3";
        s.member = "m-1";
        s.started_at = kMar1;
        s.ended_at = kMar1 + 30 * 60'000;
        s.clock_synced = true;
        s.powered_ms = 30 * 60'000;
        ledger::IngestBatch batch;
        batch.sessions.push_back(ledger::classify_session_message(
            topics::machine("lab", "laser-1", "sessions"), encode(s)));
        REQUIRE(db.ingest().apply(batch, kMar1 + kDay));
    }
    auto exported = json::parse(lab.ok({"members", "export", "m-1"}));
    CHECK(exported["member"]["contact"] == "alice@example.org");
    CHECK(exported["sessions"].size() == 1);

    auto refused = lab.run({"members", "forget", "m-1"});
    CHECK(refused.code == 2);
    CHECK(refused.err.find("--yes") != std::string::npos);
    lab.ok({"members", "forget", "m-1", "--yes"});
    CHECK(lab.run({"members", "export", "m-1"}).code == 1);
    auto usage = lab.ok(
        {"usage", "report", "--from", "2026-03-01", "--to", "2026-03-02", "--format", "json"});
    CHECK(usage.find("Alice") == std::string::npos);
    CHECK(usage.find("600") != std::string::npos);
    auto audit = lab.ok({"audit", "--limit", "100"});
    CHECK(audit.find("Alice") == std::string::npos);
    CHECK(audit.find("alice@example.org") == std::string::npos);
    CHECK(lab.run({"check"}).code == 0);
}

TEST_CASE("a removed member can still be exported and forgotten") {
    Lab lab;
    lab.setup();
    lab.ok({"members", "remove", "m-1", "--yes"});
    auto exported = json::parse(lab.ok({"members", "export", "m-1"}));
    CHECK(exported["member"]["name"] == "Alice Martin");
    lab.ok({"members", "forget", "m-1", "--yes"});
    CHECK(lab.ok({"audit", "--limit", "100"}).find("Alice") == std::string::npos);
    CHECK(lab.run({"check"}).code == 0);
}

TEST_CASE("purge deletes sightings older than retention_days, or --days") {
    Lab lab;
    lab.ok({"init"});
    {
        auto db = lab.open();
        ledger::IngestBatch batch;
        batch.unknown_badges = {{"lab", "laser-1", "11223344", kMar1 - 100 * kDay}};
        REQUIRE(db.ingest().apply(batch, kMar1 - 100 * kDay));
    }
    // A leading zero is still decimal: 0120 keeps 120 days, not octal 80 (which would purge).
    CHECK(lab.ok({"purge", "--days", "0120"}).find("0 unknown-badge") != std::string::npos);
    CHECK(lab.ok({"purge", "--days", "200"}).find("0 unknown-badge") != std::string::npos);
    CHECK(lab.ok({"purge"}).find("1 unknown-badge") != std::string::npos);  // default 90 days
    CHECK(lab.ok({"badges", "unknown"}).find("11223344") == std::string::npos);
}

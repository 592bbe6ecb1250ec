// fabctl for members and badges: adding, assigning, enrolling an unknown badge, suspending,
// and who made each change.
#include <doctest/doctest.h>

#include "commands_lab.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using namespace fabgate::test;
using nlohmann::json;

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

TEST_CASE(
    "what cannot be undone is refused without --yes, says what it would do, changes nothing") {
    Lab lab;
    lab.standard_setup();
    auto rows_before = lab.run({"--json", "audit"}).parsed().size();
    struct Refusal {
        std::vector<std::string> args;
        std::string said;
    };
    const Refusal refusals[] = {
        {{"machines", "remove", "lab/laser-1"},
         "fabctl: --yes: sessions from lab/laser-1 are held unbilled while it is not registered; "
         "add --yes to confirm\n"},
        {{"members", "remove", "m-1"},
         "fabctl: --yes: removing member m-1 also unassigns their badges and deletes their "
         "rights; add --yes to confirm (to stop access, `members suspend`)\n"},
        {{"members", "forget", "m-1"},
         "fabctl: --yes: forgetting member m-1 replaces their id, name, contact and badge UIDs "
         "everywhere, for good; add --yes to confirm (export first if they asked for a copy)\n"},
    };
    for (const auto& r : refusals) {
        CAPTURE(r.said);
        auto refused = lab.run(r.args);
        CHECK(refused.code == 2);
        CHECK(refused.err == r.said + "Run with --help for more information.\n");
    }
    CHECK(lab.run({"--json", "audit"}).parsed().size() == rows_before);
    CHECK(lab.ok({"members", "show", "m-1"}).find("Smith") != std::string::npos);
    CHECK(lab.ok({"machines", "list"}).find("laser-1") != std::string::npos);
}

TEST_CASE("audit shows the newest 50 entries unless --limit says otherwise") {
    Lab lab;
    lab.ok({"init"});
    for (int i = 0; i < 60; ++i)
        lab.ok({"members", "add", "m-" + std::to_string(i), "--name", "N"});
    auto newest = lab.run({"--json", "audit"}).parsed();
    REQUIRE(newest.size() == 50);
    CHECK(newest[0]["subject"] == "m-59");
    CHECK(lab.run({"--json", "audit", "--limit", "55"}).parsed().size() == 55);
}

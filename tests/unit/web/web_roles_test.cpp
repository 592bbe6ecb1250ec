// Who may call what, fabctl's validation texts, and the audit actor.
#include <sstream>

#include "ctl/fabctl.hpp"
#include "web_fixture.hpp"

using namespace fabgate;
using fabgate::test::WebLab;

namespace {

ledger::Member ann() {
    ledger::Member m;
    m.id = "m-1";
    m.name = "Ann";
    return m;
}

struct Case {
    const char* method;
    const char* path;
    nlohmann::json body;
    bool admin, trainer, treasurer;
};

// Every route, with whether each role gets past the role check (403 "role" otherwise).
std::vector<Case> cases() {
    nlohmann::json none = nlohmann::json::object();
    return {
        {"GET", "/api/session", nullptr, true, true, true},
        {"GET", "/api/machines", nullptr, true, true, true},
        {"POST", "/api/machines/lab/laser/lock", {{"reason", "x"}}, true, true, false},
        {"POST", "/api/machines/lab/printer/unlock", none, true, false, false},
        {"POST", "/api/machines/lab/printer/end-session", none, true, false, false},
        {"GET", "/api/members", nullptr, true, true, true},
        {"GET", "/api/members/m-1", nullptr, true, true, true},
        {"POST",
         "/api/members",
         {{"id", "m-9"}, {"name", "N"}, {"class", "standard"}},
         true,
         false,
         false},
        {"POST", "/api/members/m-1", {{"name", "Ann B"}}, true, false, false},
        {"POST", "/api/members/m-1/suspend", none, true, false, false},
        {"POST", "/api/members/m-1/reinstate", none, true, false, false},
        {"POST", "/api/members/m-1/badges", {{"uid", "04A1B2C3"}}, true, false, false},
        {"GET", "/api/badges", nullptr, true, true, true},
        {"GET", "/api/unknown-badges", nullptr, true, true, true},
        {"GET", "/api/rights", nullptr, true, true, true},
        {"POST",
         "/api/rights",
         {{"member", "m-1"}, {"machine", "laser"}, {"role", "user"}},
         true,
         true,
         false},
        {"POST",
         "/api/rights/revoke",
         {{"member", "m-1"}, {"machine", "laser"}},
         true,
         true,
         false},
        {"GET", "/api/usage?from=2027-01-01&to=2027-02-01&by=machine", nullptr, true, false, true},
        {"GET", "/api/tariffs", nullptr, true, false, true},
        {"POST",
         "/api/tariffs",
         {{"machine", "laser"}, {"class", "standard"}, {"per_hour", "9"}},
         true,
         false,
         false},
        {"GET", "/api/billing/periods", nullptr, true, false, true},
        {"POST", "/api/billing/close", {{"end", "2027-01-01"}}, true, false, true},
        {"GET", "/api/billing/batches/1.csv", nullptr, true, false, true},
        {"GET", "/api/errors", nullptr, true, false, true},
        {"GET", "/api/audit", nullptr, true, false, true},
    };
}

}  // namespace

TEST_CASE("each route lets each role through or refuses it with 403 role") {
    for (const char* who : {"ada", "tom", "tess"}) {
        WebLab lab;
        lab.board->on_connection(false);  // commands answer at once: broker unreachable
        REQUIRE(lab.db->members().add(ann(), "test", lab.now));
        auto session = lab.login(who);
        for (const auto& c : cases()) {
            CAPTURE(who);
            CAPTURE(c.path);
            bool allowed = std::string(who) == "ada"   ? c.admin
                           : std::string(who) == "tom" ? c.trainer
                                                       : c.treasurer;
            auto r = lab.call(c.method, c.path, c.body, &session);
            if (allowed) {
                CHECK(r.code() != "role");
                CHECK(r.status < 500);
            } else {
                CHECK(r.status == 403);
                CHECK(r.code() == "role");
            }
        }
    }
}

TEST_CASE("a refused role changes nothing") {
    WebLab lab;
    REQUIRE(lab.db->members().add(ann(), "test", lab.now));
    auto tess = lab.login("tess");
    auto r = lab.call("POST", "/api/rights",
                      {{"member", "m-1"}, {"machine", "laser"}, {"role", "user"}}, &tess);
    CHECK(r.code() == "role");
    CHECK(lab.db->rights().held_by("m-1")->empty());
}

TEST_CASE("a trainer grants rights on their own machines only, never on a group") {
    WebLab lab;
    REQUIRE(lab.db->members().add(ann(), "test", lab.now));
    auto tom = lab.login("tom");
    auto own = lab.call("POST", "/api/rights",
                        {{"member", "m-1"}, {"machine", "lab/laser"}, {"role", "user"}}, &tom);
    CHECK(own.status == 200);
    auto other = lab.call("POST", "/api/rights",
                          {{"member", "m-1"}, {"machine", "printer"}, {"role", "user"}}, &tom);
    CHECK(other.status == 403);
    CHECK(other.code() == "role");
    auto group = lab.call("POST", "/api/rights",
                          {{"member", "m-1"}, {"group", "lasers"}, {"role", "user"}}, &tom);
    CHECK(group.status == 403);
    auto rights = lab.db->rights().held_by("m-1");
    REQUIRE(rights->size() == 1);
    CHECK(rights->front().target == "laser");
    CHECK(rights->front().granted_by == "tom");
}

TEST_CASE("forms are refused with fabctl's own words for the same mistake") {
    WebLab lab;
    auto ada = lab.login("ada");
    struct Mistake {
        nlohmann::json body;
        std::vector<std::string> fabctl;
    };
    std::vector<Mistake> mistakes{
        {{{"id", "bad id"}, {"name", "X"}, {"class", "standard"}},
         {"members", "add", "bad id", "--name", "X", "--class", "standard"}},
        {{{"id", "m-2"}, {"name", "X"}, {"class", "standard"}, {"until", "someday"}},
         {"members", "add", "m-2", "--name", "X", "--class", "standard", "--until", "someday"}},
    };
    for (const auto& m : mistakes) {
        auto r = lab.call("POST", "/api/members", m.body, &ada);
        CHECK(r.status == 400);
        CHECK(r.code() == "invalid");
        std::ostringstream out, err;
        auto env = ctl::system_environment();
        std::vector<std::string> args{"--db", lab.config.database};
        args.insert(args.end(), m.fabctl.begin(), m.fabctl.end());
        CHECK(ctl::run_fabctl(args, out, err, env) == ctl::kExitUsage);
        auto said = r.json["error"]["where"].get<std::string>() + ": " +
                    r.json["error"]["what"].get<std::string>();
        CHECK(err.str().find("fabctl: " + said + "\n") != std::string::npos);
    }
    REQUIRE(lab.db->members().add(ann(), "test", lab.now));
    auto role = lab.call("POST", "/api/rights",
                         {{"member", "m-1"}, {"machine", "laser"}, {"role", "boss"}}, &ada);
    CHECK(role.status == 400);
    CHECK(role.json["error"]["where"] == "--role");
    auto again = lab.call("POST", "/api/members",
                          {{"id", "m-1"}, {"name", "X"}, {"class", "standard"}}, &ada);
    CHECK(again.status == 409);
    CHECK(again.json["error"]["what"] == "exists already");
    auto missing = lab.call("GET", "/api/members/nobody", nullptr, &ada);
    CHECK(missing.status == 404);
}

TEST_CASE("changes are audited as fabweb:<login>, with fabctl's audit rows") {
    WebLab lab;
    auto ada = lab.login("ada");
    REQUIRE(lab.call("POST", "/api/members",
                     {{"id", "m-1"}, {"name", "Ann"}, {"class", "standard"}}, &ada)
                .status == 200);
    REQUIRE(lab.call("POST", "/api/members/m-1/badges", {{"uid", "04:a1:b2:c3"}}, &ada).status ==
            200);
    auto log = lab.db->audit().rows(2);
    REQUIRE(log->size() == 2);
    CHECK((*log)[0].action == "badge.assign");
    CHECK((*log)[0].actor == "fabweb:ada");
    CHECK((*log)[1].action == "member.add");
    CHECK((*log)[1].actor == "fabweb:ada");
    auto audit = lab.call("GET", "/api/audit?actor=fabweb:ada", nullptr, &ada);
    CHECK(audit.json.size() == 2);
}

TEST_CASE("manager accounts: stored with their role and machines, audited without the hash") {
    WebLab lab;
    auto tom = lab.db->managers().find("tom");
    REQUIRE(*tom);
    CHECK((*tom)->role == ledger::ManagerRole::Trainer);
    CHECK((*tom)->machines == std::vector<std::string>{"lab/laser"});
    auto log = lab.db->audit().rows(10);
    bool seen = false;
    for (const auto& row : *log)
        if (row.action == "manager.add" && row.subject == "tom") {
            seen = true;
            CHECK(row.after_json.find("argon2") == std::string::npos);
            CHECK(row.after_json.find("lab/laser") != std::string::npos);
        }
    CHECK(seen);
}

// The roster's stores find a row by its whole key: a right by member, kind and target, a manager
// account by login. What a change replaced is what its audit row shows as before.
#include <doctest/doctest.h>

#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

using fabgate::test::TempDir;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;  // 2026-01-01

Right right_on(TargetKind kind, std::string target, Role role) {
    Right r;
    r.member_id = "m-1";
    r.target_kind = kind;
    r.target = std::move(target);
    r.role = role;
    return r;
}

}  // namespace

TEST_CASE("a right on a group and one on a machine of the same name are revoked one at a time") {
    TempDir dir;
    auto db = test::priced_lab(dir, kT0);
    REQUIRE(db.rights().grant(right_on(TargetKind::Group, "cnc", Role::User), "t", kT0));
    REQUIRE(db.rights().grant(right_on(TargetKind::Machine, "cnc", Role::User), "t", kT0));

    // Granted again: the audit row shows the right it replaced.
    REQUIRE(db.rights().grant(right_on(TargetKind::Group, "cnc", Role::Supervisor), "t", kT0 + 1));
    auto regrant = db.audit().rows(1)->front();
    CHECK(regrant.subject == "m-1 group:cnc");
    CHECK(regrant.before_json.find("\"role\":\"user\"") != std::string::npos);
    CHECK(regrant.after_json.find("\"role\":\"supervisor\"") != std::string::npos);

    REQUIRE(db.rights().revoke("m-1", TargetKind::Group, "cnc", "t", kT0 + 2));
    auto left = db.rights().all();
    REQUIRE(left);
    REQUIRE(left->size() == 1);
    CHECK(left->front().target_kind == TargetKind::Machine);
    CHECK_FALSE(db.rights().revoke("m-1", TargetKind::Group, "cnc", "t", kT0 + 3));
}

TEST_CASE("a manager account is found by its login; replacing it is audited as an update") {
    TempDir dir;
    auto db = *LedgerDb::open(dir.file("ledger.db"));
    ManagerAccount trainer{"tom", ManagerRole::Trainer, {"lab/laser-1"}, "$argon2id$x", 0, 0};
    REQUIRE(db.managers().put(trainer, "t", kT0));
    REQUIRE(db.managers().put({"ann", ManagerRole::Admin, {}, "$argon2id$y", 0, 0}, "t", kT0));
    CHECK(db.audit().rows(1)->front().action == "manager.add");

    trainer.machines.push_back("lab/cnc-1");
    REQUIRE(db.managers().put(trainer, "t", kT0 + 1));
    auto update = db.audit().rows(1)->front();
    CHECK(update.action == "manager.update");
    CHECK(update.before_json == R"({"login":"tom","machines":["lab/laser-1"],"role":"trainer"})");

    auto found = db.managers().find("tom");
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->machines == std::vector<std::string>{"lab/laser-1", "lab/cnc-1"});
    CHECK((*found)->created_at == kT0);
    CHECK((*found)->updated_at == kT0 + 1);
    CHECK_FALSE(db.managers().find("nobody")->has_value());

    auto all = db.managers().all();
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK(all->front().login == "ann");  // in login order
}

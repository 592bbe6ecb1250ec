#include <doctest/doctest.h>

#include <vector>

#include "core/acl_builder.hpp"
#include "core/messages.hpp"

using namespace fabgate;

namespace {

const Uid& uid(const char* text) {
    static std::vector<Uid> keep;
    keep.push_back(*Uid::parse(text));
    return keep.back();
}

struct Lab {
    std::vector<AclMemberRow> members{{"m-1", "Alice", false, std::nullopt},
                                      {"m-2", "Bob", true, std::nullopt},
                                      {"m-3", "Carol", false, 5000},
                                      {"m-4", "Dan", false, std::nullopt}};
    std::vector<AclBadgeRow> badges{{"04a1b2c3", "m-1"}, {"04A1B2C4", "m-2"}, {"04A1B2C5", "m-3"},
                                    {"04A1B2C6", "m-4"}, {"04A1B2C7", ""},    {"04A1B2C8", "m-1"}};
    std::vector<AclRightRow> rights;
    AclMachineRef laser{"lab", "laser-1", std::string("lasers")};

    AccessList build(UnixMs now) { return build_access_list(laser, members, badges, rights, now); }
};

}  // namespace

TEST_CASE("only badges of members with a right here are listed, with status and no name") {
    Lab lab;
    for (const char* m : {"m-1", "m-2", "m-3"})
        lab.rights.push_back({m, TargetKind::Machine, "laser-1", Role::User, std::nullopt});
    auto list = lab.build(1000);
    CHECK(list.site == "lab");
    CHECK(list.machine == "laser-1");
    CHECK(list.entries.size() == 4);               // m-1's two badges, m-2, m-3
    CHECK(list.find(uid("04A1B2C7")) == nullptr);  // unassigned
    // Dan has no right on the laser: the laser's gate never learns his badge.
    CHECK(list.find(uid("04A1B2C6")) == nullptr);
    REQUIRE(list.find(uid("04A1B2C3")));
    CHECK(list.find(uid("04A1B2C3"))->role == Role::User);
    CHECK(list.find(uid("04A1B2C8"))->member == "m-1");  // a member's second badge
    // Suspended and lapsing members keep their rows, with what the gate needs to say why.
    CHECK(list.find(uid("04A1B2C4"))->suspended);
    CHECK(list.find(uid("04A1B2C5"))->member_until == 5000);
    for (const auto& [badge, entry] : list.entries) CHECK(entry.name.empty());
    // Nor does the wire form carry a name.
    CHECK(signed_content(list).find("Alice") == std::string::npos);
}

TEST_CASE("rights apply through the machine or its group; the highest valid role wins") {
    Lab lab;
    lab.rights = {{"m-1", TargetKind::Group, "lasers", Role::User, std::nullopt},
                  {"m-1", TargetKind::Machine, "laser-1", Role::Supervisor, 9000},
                  {"m-4", TargetKind::Group, "printers", Role::Maintainer, std::nullopt},
                  {"m-2", TargetKind::Machine, "laser-2", Role::User, std::nullopt}};
    auto list = lab.build(1000);
    CHECK(list.find(uid("04A1B2C3"))->role == Role::Supervisor);
    CHECK(list.find(uid("04A1B2C3"))->right_until == 9000);
    CHECK(list.find(uid("04A1B2C6")) == nullptr);  // a right in another group only
    CHECK(list.find(uid("04A1B2C4")) == nullptr);  // a right on another machine only
    // After the supervisor right expired the group's user right is what counts.
    auto later = lab.build(9000);
    CHECK(later.find(uid("04A1B2C3"))->role == Role::User);
    CHECK_FALSE(later.find(uid("04A1B2C3"))->right_until);
}

TEST_CASE("an expired right is listed with its date so the gate can say training expired") {
    Lab lab;
    lab.rights = {{"m-1", TargetKind::Machine, "laser-1", Role::User, 3000},
                  {"m-1", TargetKind::Group, "lasers", Role::Maintainer, 2000}};
    auto list = lab.build(4000);
    auto* e = list.find(uid("04A1B2C3"));
    REQUIRE(e);
    CHECK(e->right_until == 3000);  // the one that expired last
    CHECK(e->role == Role::User);
    CHECK(check_member(*e, 4000) == DenyReason::TrainingExpired);
    auto before = lab.build(1000);
    CHECK(before.find(uid("04A1B2C3"))->role == Role::Maintainer);
}

TEST_CASE("a badge of a member who no longer exists is not listed") {
    Lab lab;
    lab.badges.push_back({"0A0B0C0D", "m-gone"});
    auto list = lab.build(1000);
    CHECK(list.find(uid("0A0B0C0D")) == nullptr);
}

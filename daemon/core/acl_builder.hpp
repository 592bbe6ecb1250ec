#pragma once
// Builds one machine's access list from the ledger's rows: pure, so the rules are tested
// without a database. A badge is listed only when its member holds a right (valid or expired)
// on this machine or its group: a gate's list, and the SD card it is cached on, hold nobody
// else. The member's status and dates travel with it, so the gate can tell "suspended" or
// "training expired" from "unknown badge"; names never do (the gate decides on ids).
#include <optional>
#include <span>
#include <string>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/tariff.hpp"

namespace fabgate {

struct AclMemberRow {
    std::string id;
    std::string name;
    bool suspended = false;
    std::optional<UnixMs> member_until;
};

struct AclBadgeRow {
    std::string uid;        // any spelling Uid::parse accepts
    std::string member_id;  // empty: unassigned, not listed
};

struct AclRightRow {
    std::string member_id;
    TargetKind target_kind = TargetKind::Machine;
    std::string target;
    Role role = Role::User;
    std::optional<UnixMs> valid_until;
};

struct AclMachineRef {
    std::string site;
    std::string id;
    std::optional<std::string> group;
};

// For each assigned badge of a known member with a right on this machine (by id) or its group:
// among rights still valid at `now` the highest role wins (then the longest validity); if none
// is valid, the one that expired last is listed with its right_until so the gate says
// "training expired". A member without any right here is not listed ("unknown badge").
// version and generated_at are left 0 for the caller.
AccessList build_access_list(const AclMachineRef& machine, std::span<const AclMemberRow> members,
                             std::span<const AclBadgeRow> badges,
                             std::span<const AclRightRow> rights, UnixMs now);

}  // namespace fabgate

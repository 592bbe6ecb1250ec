#pragma once
// Who may use what: members, their badges, machines and rights. Every change writes an
// audit_log row in the same transaction, naming the actor ("fabctl:alice").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/tariff.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

enum class MemberStatus { Active, Suspended };
std::string_view to_string(MemberStatus s);
std::optional<MemberStatus> member_status_from_string(std::string_view s);

struct Member {
    std::string id;
    std::string name;
    std::string contact;
    std::string member_class = "standard";  // classes are data: tariffs name them
    MemberStatus status = MemberStatus::Active;
    std::optional<UnixMs> member_until;  // membership valid until (exclusive); null: open-ended
    UnixMs created_at = 0;               // set by add_member
};

struct Badge {
    std::string uid;  // canonical hex (core/uid.hpp); callers may pass any accepted spelling
    std::optional<std::string> member_id;  // null: in the drawer, not assigned
    std::string label;
    std::optional<UnixMs> assigned_at;
};

struct UnknownBadge {
    std::string uid;
    std::string site;
    std::string machine;
    UnixMs first_seen_at = 0;
    UnixMs last_seen_at = 0;
    std::int64_t count = 0;
};

struct Machine {
    std::string site;
    std::string id;
    std::string name;
    std::optional<std::string> group_name;
};

struct Right {
    std::string member_id;
    TargetKind target_kind = TargetKind::Machine;
    std::string target;      // a machine id (on any site) or a group name
    Role role = Role::User;  // user, supervisor or maintainer
    std::string granted_by;
    UnixMs granted_at = 0;
    std::optional<UnixMs> valid_until;  // training valid until (exclusive)
};

// Members and badges: roster_people.cpp; machines and rights: roster_machines.cpp.
class Roster {
  public:
    explicit Roster(db::Database& db) : db_(db) {}
    Roster(const Roster&) = delete;
    Roster& operator=(const Roster&) = delete;

    // ---- members ----
    Status add_member(const Member& m, std::string_view actor, UnixMs now);
    Status update_member(const Member& m, std::string_view actor,
                         UnixMs now);  // all fields but created_at
    Status set_member_status(std::string_view id, MemberStatus status, std::string_view actor,
                             UnixMs now);
    // Deletes the member, unassigns their badges and removes their rights. Sessions keep the id.
    Status remove_member(std::string_view id, std::string_view actor, UnixMs now);
    Result<std::optional<Member>> member(std::string_view id);
    Result<std::vector<Member>> members();

    // ---- badges ----
    // Creates the badge if needed; a badge held by another member moves (one holder at a time).
    Status assign_badge(std::string_view uid, std::string_view member_id, std::string_view label,
                        std::string_view actor, UnixMs now);
    Status unassign_badge(std::string_view uid, std::string_view actor, UnixMs now);
    Status remove_badge(std::string_view uid, std::string_view actor, UnixMs now);
    Result<std::vector<Badge>> badges();
    Result<std::vector<Badge>> badges_of(std::string_view member_id);
    Result<std::vector<UnknownBadge>> unknown_badges();
    Status clear_unknown_badge(std::string_view uid, std::string_view actor, UnixMs now);

    // ---- machines ----
    Status upsert_machine(const Machine& m, std::string_view actor, UnixMs now);
    Status remove_machine(std::string_view site, std::string_view id, std::string_view actor,
                          UnixMs now);
    Result<std::optional<Machine>> machine(std::string_view site, std::string_view id);
    // The machine's maintenance lock, none if unlocked (or the machine does not exist).
    Result<std::optional<MaintenanceLock>> machine_lock(std::string_view site, std::string_view id);
    // Locks (or with nullopt unlocks) a machine for maintenance; audited as machine.maintenance.
    // The machine's next access list carries it.
    Status set_machine_lock(std::string_view site, std::string_view id,
                            const std::optional<MaintenanceLock>& lock, std::string_view actor,
                            UnixMs now);
    Result<std::vector<Machine>> machines();

    // ---- rights ----
    // Insert or replace the member's right on that target.
    Status grant_right(const Right& r, std::string_view actor, UnixMs now);
    Status revoke_right(std::string_view member_id, TargetKind kind, std::string_view target,
                        std::string_view actor, UnixMs now);
    Result<std::vector<Right>> rights();
    Result<std::vector<Right>> rights_of(std::string_view member_id);

  private:
    db::Database& db_;
};

}  // namespace fabgate::ledger

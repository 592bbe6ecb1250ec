#include "core/acl_builder.hpp"

#include <unordered_map>
#include <vector>

namespace fabgate {
namespace {

bool valid_at(const AclRightRow& r, UnixMs now) {
    return !r.valid_until || *r.valid_until > now;
}

// true when `a` is the better right to list.
bool better(const AclRightRow& a, const AclRightRow& b, UnixMs now) {
    bool va = valid_at(a, now), vb = valid_at(b, now);
    if (va != vb) return va;
    if (va && a.role != b.role) return a.role > b.role;
    // Longest validity: null (forever) is the longest.
    if (a.valid_until.has_value() != b.valid_until.has_value()) return !a.valid_until.has_value();
    if (a.valid_until && *a.valid_until != *b.valid_until) return *a.valid_until > *b.valid_until;
    return a.role > b.role;
}

}  // namespace

AccessList build_access_list(const AclMachineRef& machine, std::span<const AclMemberRow> members,
                             std::span<const AclBadgeRow> badges,
                             std::span<const AclRightRow> rights, UnixMs now) {
    AccessList list;
    list.site = machine.site;
    list.machine = machine.id;

    std::unordered_map<std::string, const AclRightRow*> best_right;
    for (const auto& r : rights) {
        bool applies = r.target_kind == TargetKind::Machine
                           ? r.target == machine.id
                           : (machine.group && r.target == *machine.group);
        if (!applies || r.role == Role::None) continue;
        auto [it, inserted] = best_right.try_emplace(r.member_id, &r);
        if (!inserted && better(r, *it->second, now)) it->second = &r;
    }
    std::unordered_map<std::string, const AclMemberRow*> by_id;
    for (const auto& m : members) by_id.emplace(m.id, &m);

    for (const auto& b : badges) {
        if (b.member_id.empty()) continue;
        // Only members with a right here: a gate's SD card holds no one else's badge.
        auto right = best_right.find(b.member_id);
        if (right == best_right.end()) continue;
        auto member = by_id.find(b.member_id);
        if (member == by_id.end()) continue;
        auto uid = Uid::parse(b.uid);
        if (!uid) continue;
        AccessEntry e;
        e.member = member->second->id;  // no name: the gate decides on ids and dates alone
        e.suspended = member->second->suspended;
        e.member_until = member->second->member_until;
        e.role = right->second->role;
        e.right_until = right->second->valid_until;
        list.entries.insert_or_assign(*uid, std::move(e));
    }
    return list;
}

}  // namespace fabgate

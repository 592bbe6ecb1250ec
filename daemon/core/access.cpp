#include "core/access.hpp"

namespace fabgate {

std::string_view to_string(Role r) {
    switch (r) {
        case Role::None:
            return "none";
        case Role::User:
            return "user";
        case Role::Supervisor:
            return "supervisor";
        case Role::Maintainer:
            return "maintainer";
    }
    return "none";
}

std::optional<Role> role_from_string(std::string_view s) {
    if (s == "none") return Role::None;
    if (s == "user") return Role::User;
    if (s == "supervisor") return Role::Supervisor;
    if (s == "maintainer") return Role::Maintainer;
    return std::nullopt;
}

std::string_view to_string(DenyReason r) {
    switch (r) {
        case DenyReason::UnknownBadge:
            return "unknown_badge";
        case DenyReason::Suspended:
            return "suspended";
        case DenyReason::MembershipExpired:
            return "membership_expired";
        case DenyReason::NotTrained:
            return "not_trained";
        case DenyReason::TrainingExpired:
            return "training_expired";
        case DenyReason::Maintenance:
            return "maintenance";
        case DenyReason::InUse:
            return "in_use";
        case DenyReason::Fault:
            return "fault";
        case DenyReason::NoAccessList:
            return "no_access_list";
        case DenyReason::JournalError:
            return "journal_error";
        case DenyReason::AccessListStale:
            return "access_list_stale";
    }
    return "unknown";
}

std::string_view describe(DenyReason r) {
    switch (r) {
        case DenyReason::UnknownBadge:
            return "unknown badge";
        case DenyReason::Suspended:
            return "membership suspended";
        case DenyReason::MembershipExpired:
            return "membership expired";
        case DenyReason::NotTrained:
            return "not trained for this machine";
        case DenyReason::TrainingExpired:
            return "training for this machine has expired";
        case DenyReason::Maintenance:
            return "machine locked for maintenance";
        case DenyReason::InUse:
            return "machine in use by someone else";
        case DenyReason::Fault:
            return "machine in fault (interlock open or hardware lost)";
        case DenyReason::NoAccessList:
            return "no access list received yet";
        case DenyReason::JournalError:
            return "the gate cannot record sessions (storage full or failing)";
        case DenyReason::AccessListStale:
            return "the access list is out of date (the gate has been offline too long)";
    }
    return "denied";
}

std::optional<DenyReason> check_member(const AccessEntry& entry, UnixMs now) {
    if (entry.suspended) return DenyReason::Suspended;
    if (entry.member_until && now >= *entry.member_until) return DenyReason::MembershipExpired;
    if (entry.role == Role::None) return DenyReason::NotTrained;
    if (entry.right_until && now >= *entry.right_until) return DenyReason::TrainingExpired;
    return std::nullopt;
}

}  // namespace fabgate

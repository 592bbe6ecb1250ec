#include "core/access.hpp"

#include "core/enum_names.hpp"

namespace fabgate {
namespace {

constexpr EnumNames<Role, 4> kRoleNames{{{Role::None, "none"},
                                         {Role::User, "user"},
                                         {Role::Supervisor, "supervisor"},
                                         {Role::Maintainer, "maintainer"}}};
static_assert(kRoleNames.covers(), "kRoleNames names every Role once");

constexpr EnumNames<DenyReason, 11> kDenyReasonNames{
    {{DenyReason::UnknownBadge, "unknown_badge"},
     {DenyReason::Suspended, "suspended"},
     {DenyReason::MembershipExpired, "membership_expired"},
     {DenyReason::NotTrained, "not_trained"},
     {DenyReason::TrainingExpired, "training_expired"},
     {DenyReason::Maintenance, "maintenance"},
     {DenyReason::InUse, "in_use"},
     {DenyReason::Fault, "fault"},
     {DenyReason::NoAccessList, "no_access_list"},
     {DenyReason::JournalError, "journal_error"},
     {DenyReason::AccessListStale, "access_list_stale"}}};

// What a member reads on the gate's display and in fabctl's log views.
constexpr EnumNames<DenyReason, 11> kDenyReasonDescriptions{
    {{DenyReason::UnknownBadge, "unknown badge"},
     {DenyReason::Suspended, "membership suspended"},
     {DenyReason::MembershipExpired, "membership expired"},
     {DenyReason::NotTrained, "not trained for this machine"},
     {DenyReason::TrainingExpired, "training for this machine has expired"},
     {DenyReason::Maintenance, "machine locked for maintenance"},
     {DenyReason::InUse, "machine in use by someone else"},
     {DenyReason::Fault, "machine in fault (interlock open or hardware lost)"},
     {DenyReason::NoAccessList, "no access list received yet"},
     {DenyReason::JournalError, "the gate cannot record sessions (storage full or failing)"},
     {DenyReason::AccessListStale,
      "the access list is out of date (the gate has been offline too long)"}}};
static_assert(kDenyReasonNames.covers(), "kDenyReasonNames names every DenyReason once");
static_assert(kDenyReasonDescriptions.covers(),
              "kDenyReasonDescriptions names every DenyReason once");

}  // namespace

std::string_view to_string(Role r) {
    return kRoleNames.name_of(r, "none");
}

std::optional<Role> role_from_string(std::string_view s) {
    return kRoleNames.value_of(s);
}

std::string_view to_string(DenyReason r) {
    return kDenyReasonNames.name_of(r, "unknown");
}

std::string_view describe(DenyReason r) {
    return kDenyReasonDescriptions.name_of(r, "denied");
}

bool list_due_for_reissue(UnixMs generated_at, std::int64_t reissue_s, UnixMs now) {
    return now >= generated_at + reissue_s * 1000;
}

std::optional<DenyReason> check_member(const AccessEntry& entry, UnixMs now) {
    if (entry.suspended) return DenyReason::Suspended;
    if (entry.member_until && now >= *entry.member_until) return DenyReason::MembershipExpired;
    if (entry.role == Role::None) return DenyReason::NotTrained;
    if (entry.right_until && now >= *entry.right_until) return DenyReason::TrainingExpired;
    return std::nullopt;
}

}  // namespace fabgate

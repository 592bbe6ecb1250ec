#include "core/access.hpp"

#include "core/enum_names.hpp"

namespace fabgate {

constexpr EnumNames<Role, 4> kRoleNames{{{Role::None, "none"},
                                         {Role::User, "user"},
                                         {Role::Supervisor, "supervisor"},
                                         {Role::Maintainer, "maintainer"}}};

EnumNameTable<Role> enum_names(Role) {
    return kRoleNames.table("none");
}

namespace {

// Each reason's name in logs and on the wire, and what a member reads on the gate's display
// and in fabctl's log views: one row per reason, so a new reason is written in one place.
struct DenyReasonText {
    DenyReason reason;
    std::string_view name;
    std::string_view description;
};
constexpr DenyReasonText kDenyReasonTexts[] = {
    {DenyReason::UnknownBadge, "unknown_badge", "unknown badge"},
    {DenyReason::Suspended, "suspended", "membership suspended"},
    {DenyReason::MembershipExpired, "membership_expired", "membership expired"},
    {DenyReason::NotTrained, "not_trained", "not trained for this machine"},
    {DenyReason::TrainingExpired, "training_expired", "training for this machine has expired"},
    {DenyReason::Maintenance, "maintenance", "machine locked for maintenance"},
    {DenyReason::InUse, "in_use", "machine in use by someone else"},
    {DenyReason::Fault, "fault", "machine in fault (interlock open or hardware lost)"},
    {DenyReason::NoAccessList, "no_access_list", "no access list received yet"},
    {DenyReason::JournalError, "journal_error",
     "the gate cannot record sessions (storage full or failing)"},
    {DenyReason::AccessListStale, "access_list_stale",
     "the access list is out of date (the gate has been offline too long)"}};

// One column of kDenyReasonTexts, as the entries of a name table.
constexpr auto deny_reason_column(std::string_view DenyReasonText::*column) {
    std::array<EnumName<DenyReason>, std::size(kDenyReasonTexts)> out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = {kDenyReasonTexts[i].reason, kDenyReasonTexts[i].*column};
    return out;
}

constexpr EnumNames kDenyReasonNames{deny_reason_column(&DenyReasonText::name)};
constexpr EnumNames kDenyReasonDescriptions{deny_reason_column(&DenyReasonText::description)};

}  // namespace

EnumNameTable<DenyReason> enum_names(DenyReason) {
    return kDenyReasonNames.table("unknown");
}

std::string_view describe(DenyReason r) {
    return kDenyReasonDescriptions.table("denied").name_of(r);
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

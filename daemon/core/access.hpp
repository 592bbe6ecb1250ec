#pragma once
// The access list a gate decides from: one versioned snapshot per machine, built centrally
// from members, badges and rights, cached on the gate so it works offline.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/enum_names.hpp"
#include "core/uid.hpp"

namespace fabgate {

enum class Role { None, User, Supervisor, Maintainer };  // None: badge known, not trained here
EnumNameTable<Role> enum_names(Role);  // to_string: none, user, supervisor, maintainer
inline constexpr auto role_from_string = from_string<Role>;

struct AccessEntry {
    std::string member;  // member id
    std::string name;    // shown on the machine's state, for people
    bool suspended = false;
    std::optional<UnixMs> member_until;  // membership valid until (exclusive)
    Role role = Role::None;
    std::optional<UnixMs> right_until;  // training valid until (exclusive)

    // Defaulted, so a field added later is compared too: a gate skips writing a renewed list
    // only when every entry is equal (gate/acl_renewal).
    bool operator==(const AccessEntry&) const = default;
};

// A maintenance lock as the ledger records it: nobody but maintainers may use the machine.
struct MaintenanceLock {
    std::string by;      // the manager who locked it
    std::string reason;  // may be empty
    UnixMs since = 0;

    bool operator==(const MaintenanceLock&) const = default;
};

struct AccessList {
    std::string site;
    std::string machine;
    std::int64_t version = 0;
    UnixMs generated_at = 0;  // when the ledger issued (signed) this version
    // The ledger's promise holds until then; past it the gate starts no session (or only a
    // supervisor's, per policy.stale_acl). Absent in lists from before it existed.
    std::optional<UnixMs> valid_until;
    // The ledger's desired lock state, signed with the list: a gate that lost its journal (or a
    // new SD card) still comes up locked from the retained list.
    std::optional<MaintenanceLock> maintenance;
    std::unordered_map<Uid, AccessEntry, UidHash> entries;

    const AccessEntry* find(const Uid& uid) const {
        auto it = entries.find(uid);
        return it == entries.end() ? nullptr : &it->second;
    }
};

enum class DenyReason {
    UnknownBadge,
    Suspended,
    MembershipExpired,
    NotTrained,
    TrainingExpired,
    Maintenance,
    InUse,
    Fault,
    NoAccessList,
    JournalError,     // the gate cannot record the session (storage full or failing)
    AccessListStale,  // the list is past its valid_until or the gate's acl_max_age_s
};
EnumNameTable<DenyReason> enum_names(DenyReason);  // to_string: unknown_badge, suspended, ...
// What the member is told at the machine and the manager reads in the log.
std::string_view describe(DenyReason r);

struct AccessGrant {
    const AccessEntry* entry;
};

// The contract between the ledger and a connected gate, so that the gate's own maximum age only
// ever bites a gate that is offline. The ledger reissues an unchanged list as a new version
// (fresh generated_at) every acl_reissue_s, which may not exceed kMaxAclReissueS, and notices it
// at its next refresh, at most that long again: a connected gate's list is under 2 hours old.
// A gate refuses a policy.acl_max_age_s under kMinAclMaxAgeS, which leaves an hour more for a
// broker restart or clock skew.
// Chosen over measuring age from the last signed message: a gate with no session hears nothing
// signed but its list, so the ledger would have to send something periodically anyway, and a
// reissued list also renews valid_until and the replay high-water mark. It costs one small
// signed message per machine and interval.
inline constexpr std::int64_t kMaxAclReissueS = 3600;
inline constexpr std::int64_t kMinAclMaxAgeS = 3 * kMaxAclReissueS;

// Whether the ledger must issue a new version of a list whose content has not changed.
bool list_due_for_reissue(UnixMs generated_at, std::int64_t reissue_s, UnixMs now);

// Past the ledger's valid_until, or older than `max_age_ms` (0: no such limit).
inline bool list_stale(const AccessList& list, std::int64_t max_age_ms, UnixMs now) {
    if (list.valid_until && now >= *list.valid_until) return true;
    return max_age_ms > 0 && now >= list.generated_at + max_age_ms;
}

// A member's right to use this machine now, ignoring the machine's own state.
// `now` must not be trusted blindly: see effective_now().
std::optional<DenyReason> check_member(const AccessEntry& entry, UnixMs now);

// Without NTP a Pi can boot years in the past, where an expired training looks valid.
// Time never runs before the snapshot was generated, so that bounds the clock from below.
inline UnixMs effective_now(const WallTime& wall, const AccessList& list) {
    return wall.unix_ms < list.generated_at ? list.generated_at : wall.unix_ms;
}

}  // namespace fabgate

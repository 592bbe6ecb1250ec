#include "gate/acl_renewal.hpp"

#include <algorithm>

namespace fabgate {
namespace {

bool same_entry(const AccessEntry& a, const AccessEntry& b) {
    return a.member == b.member && a.name == b.name && a.suspended == b.suspended &&
           a.member_until == b.member_until && a.role == b.role && a.right_until == b.right_until;
}

}  // namespace

bool renews_in_force(const AccessList& current, const AccessList& next) {
    if (next.version != current.version + 1 || next.site != current.site ||
        next.machine != current.machine || next.maintenance != current.maintenance ||
        next.entries.size() != current.entries.size())
        return false;
    return std::all_of(current.entries.begin(), current.entries.end(), [&](const auto& kv) {
        const auto* other = next.find(kv.first);
        return other && same_entry(kv.second, *other);
    });
}

bool renewal_due_for_cache(const AccessList& cached, const AccessList& renewal,
                           std::int64_t acl_max_age_s) {
    std::optional<std::int64_t> allowance_ms;
    if (acl_max_age_s > 0) allowance_ms = acl_max_age_s * 1000;
    if (cached.valid_until) {
        auto window = std::max<std::int64_t>(*cached.valid_until - cached.generated_at, 0);
        allowance_ms = allowance_ms ? std::min(*allowance_ms, window) : window;
    }
    // No limit on a list's age (unsigned lists without valid_until, no acl_max_age_s): the
    // cached copy's age decides nothing.
    if (!allowance_ms) return false;
    return renewal.generated_at - cached.generated_at >= *allowance_ms / 4;
}

}  // namespace fabgate

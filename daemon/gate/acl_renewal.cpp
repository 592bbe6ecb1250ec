#include "gate/acl_renewal.hpp"

#include <algorithm>

namespace fabgate {

bool renews_in_force(const AccessList& current, const AccessList& next) {
    return next.version == current.version + 1 && next.site == current.site &&
           next.machine == current.machine && next.maintenance == current.maintenance &&
           next.entries == current.entries;
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

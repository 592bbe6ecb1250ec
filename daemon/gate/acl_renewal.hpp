#pragma once
// The ledger reissues an unchanged list every acl_reissue_s (a new version, generated_at and
// valid_until, the same badges and lock) so a connected gate never goes stale. Such a renewal
// changes nothing the gate decides, so it need not cost the SD card a rewrite of the whole list
// in the journal and of the high-water mark every hour; these say when it can be skipped.
#include <cstdint>
#include <optional>

#include "core/access.hpp"
#include "core/clock.hpp"

namespace fabgate {

// True when `next` is the version right after `current` for the same gate, with the same
// entries and lock: only version, generated_at and valid_until differ. With no version skipped,
// every list signed between the two carries this content too, so a replay of any of them after
// a restart decides nothing the cached copy does not.
bool renews_in_force(const AccessList& current, const AccessList& next);

// The journal's cached copy and the high-water mark are kept at one version (the mark above the
// cached copy would make the gate refuse its own cache after a restart as a replay). A renewal
// is written to both only once the cached copy lags the renewal by a quarter of the time the
// gate may run on a list (policy.acl_max_age_s, and the copy's valid_until window): a gate that
// restarts offline then judges its list at most that much older than it is, never younger.
bool renewal_due_for_cache(const AccessList& cached, const AccessList& renewal,
                           std::int64_t acl_max_age_s);

}  // namespace fabgate

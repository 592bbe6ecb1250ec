#pragma once
// How a machine's sessions run: when they end, idle and finishing limits, takeover, stale
// lists. A reload may change it; a running session keeps the copy it started with.
#include <cstdint>

namespace fabgate {

class ObjectReader;
class JsonErrors;

enum class SessionEndMode { BadgeAgain, CardPresent };
enum class TakeoverRule { Deny, Supervisors, Anyone };

struct MachinePolicy {
    SessionEndMode session_end = SessionEndMode::BadgeAgain;
    std::int64_t idle_timeout_s = 0;  // 0: off. Needs a busy input.
    std::int64_t idle_warning_s = 60;
    std::int64_t max_session_s = 0;  // 0: no limit
    bool keep_power_while_busy = false;
    std::int64_t finish_limit_s = 4 * 3600;
    // While finishing, the job counts as done once busy has been off this long: a printer's
    // current draw dips between heater cycles.
    std::int64_t finish_idle_s = 30;
    std::int64_t after_run_s = 0;  // after-run output keeps running this long after the relay
    TakeoverRule takeover = TakeoverRule::Supervisors;
    std::int64_t checkpoint_s = 30;  // an open session is journaled this often
    // Offline too long: a list is stale past its valid_until, or this long after it was issued
    // (0: valid_until only; else at least kMinAclMaxAgeS, see core/access.hpp). A stale list
    // starts no session, or only supervisors' and maintainers' with stale_acl_supervisors; a
    // running session is never cut.
    std::int64_t acl_max_age_s = 0;
    bool stale_acl_supervisors = false;
    bool has_busy_input = false;  // filled from the hardware section
};

// Reads the gate config's "policy" section into `policy`, whose current values are the
// defaults. Checks that need the hardware section (a busy input) are the caller's.
void read_policy_config(ObjectReader& root, MachinePolicy& policy, JsonErrors& errors);

}  // namespace fabgate

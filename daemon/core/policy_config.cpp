#include "core/policy_config.hpp"

#include <string>

#include "core/access.hpp"
#include "core/json_reader.hpp"

namespace fabgate {

void read_policy_config(ObjectReader& root, MachinePolicy& p, JsonErrors& errors) {
    const auto* v = root.child("policy");
    if (!v) return;
    ObjectReader r(*v, "policy", errors);
    constexpr std::int64_t kWeek = 7 * 24 * 3600;
    p.session_end =
        r.choice("session_end", {"badge_again", "card_present"}).value_or("badge_again") ==
                "card_present"
            ? SessionEndMode::CardPresent
            : SessionEndMode::BadgeAgain;
    p.idle_timeout_s = r.integer_or("idle_timeout_s", 0, kWeek, p.idle_timeout_s);
    p.idle_warning_s = r.integer_or("idle_warning_s", 0, kWeek, p.idle_warning_s);
    p.max_session_s = r.integer_or("max_session_s", 0, kWeek, p.max_session_s);
    p.keep_power_while_busy = r.boolean_or("keep_power_while_busy", p.keep_power_while_busy);
    p.finish_limit_s = r.integer_or("finish_limit_s", 1, kWeek, p.finish_limit_s);
    p.finish_idle_s = r.integer_or("finish_idle_s", 0, 3600, p.finish_idle_s);
    p.after_run_s = r.integer_or("after_run_s", 0, 24 * 3600, p.after_run_s);
    auto takeover = r.choice("takeover", {"deny", "supervisors", "anyone"}).value_or("supervisors");
    p.takeover = takeover == "deny"     ? TakeoverRule::Deny
                 : takeover == "anyone" ? TakeoverRule::Anyone
                                        : TakeoverRule::Supervisors;
    p.checkpoint_s = r.integer_or("checkpoint_s", 1, 3600, p.checkpoint_s);
    p.acl_max_age_s = r.integer_or("acl_max_age_s", 0, 365 * 24 * 3600, p.acl_max_age_s);
    if (p.acl_max_age_s > 0 && p.acl_max_age_s < kMinAclMaxAgeS)
        errors.add("policy.acl_max_age_s",
                   std::to_string(p.acl_max_age_s) + " is below " + std::to_string(kMinAclMaxAgeS) +
                       " s: the ledger renews a connected gate's list only every acl_reissue_s "
                       "(up to " +
                       std::to_string(kMaxAclReissueS) +
                       " s), so a shorter limit would refuse sessions on a gate that is online; "
                       "use 0 (valid_until only) or at least " +
                       std::to_string(kMinAclMaxAgeS));
    p.stale_acl_supervisors =
        r.choice("stale_acl", {"deny", "supervisors"}).value_or("deny") == "supervisors";
    r.reject_unknown_keys();
}

}  // namespace fabgate

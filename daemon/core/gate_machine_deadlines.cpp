// When the machine next has something to do on its own (warn, end a session, checkpoint, stop
// the after-run output), and doing it: the gate arms one timer for next_deadline() and calls
// tick() when it fires.
#include <algorithm>

#include "core/gate_machine.hpp"

namespace fabgate {
namespace {

constexpr MonoMs kSecond = 1000;

}  // namespace

std::optional<MonoMs> GateMachine::warning_deadline() const {
    if (!session_ || session_->warned || session_->finishing_since) return std::nullopt;
    const auto& policy = session_->policy;
    std::optional<MonoMs> at;
    if (policy.idle_timeout_s > 0 && !busy_)
        at = session_->idle_since + (policy.idle_timeout_s - policy.idle_warning_s) * kSecond;
    if (policy.max_session_s > 0) {
        MonoMs max_warn =
            session_->started +
            std::max<std::int64_t>(0, policy.max_session_s - policy.idle_warning_s) * kSecond;
        at = at ? std::min(*at, max_warn) : max_warn;
    }
    return at;
}

std::optional<MonoMs> GateMachine::end_deadline(EndReason* reason) const {
    if (!session_) return std::nullopt;
    const auto& s = *session_;
    std::optional<MonoMs> at;
    auto consider = [&](MonoMs t, EndReason r) {
        if (!at || t < *at) {
            at = t;
            *reason = r;
        }
    };
    const auto& policy = s.policy;
    if (s.finishing_since) {
        consider(*s.finishing_since + policy.finish_limit_s * kSecond, EndReason::BadgeOut);
        if (s.busy_off_since)
            consider(*s.busy_off_since + policy.finish_idle_s * kSecond, EndReason::BadgeOut);
        return at;
    }
    if (policy.idle_timeout_s > 0 && !busy_)
        consider(s.idle_since + policy.idle_timeout_s * kSecond, EndReason::IdleTimeout);
    if (policy.max_session_s > 0)
        consider(s.started + policy.max_session_s * kSecond, EndReason::MaxDuration);
    return at;
}

std::optional<MonoMs> GateMachine::next_deadline() const {
    std::optional<MonoMs> at;
    auto consider = [&](std::optional<MonoMs> t) {
        if (t && (!at || *t < *at)) at = t;
    };
    EndReason ignored{};
    consider(end_deadline(&ignored));
    consider(warning_deadline());
    if (session_) consider(session_->next_checkpoint);
    consider(after_run_until_);
    return at;
}

void GateMachine::tick() {
    MonoMs now = clock_.monotonic();
    if (after_run_until_ && now >= *after_run_until_) {
        after_run_until_.reset();
        // A session keeps it on only under a policy with an after-run: one started after a
        // reload removed it never counts down an after-run of its own.
        if (!session_ || session_->policy.after_run_s == 0) outputs_.set_after_run(false);
    }
    if (!session_) return;
    EndReason reason{};
    if (auto at = end_deadline(&reason); at && now >= *at) {
        end(reason);
        return;
    }
    if (auto at = warning_deadline(); at && now >= *at) {
        session_->warned = true;
        refresh();
    }
    if (now >= session_->next_checkpoint) {
        session_->next_checkpoint = now + session_->policy.checkpoint_s * kSecond;
        listener_.session_checkpoint(snapshot(now));
    }
}

}  // namespace fabgate

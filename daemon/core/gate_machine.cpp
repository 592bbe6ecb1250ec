#include "core/gate_machine.hpp"

#include <algorithm>

namespace fabgate {
namespace {

constexpr MonoMs kSecond = 1000;
constexpr std::string_view kIndicatorPrefix = "indicator:";

std::string join(const std::set<std::string>& names, std::string_view suffix) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n + std::string(suffix);
    return out;
}

}  // namespace

GateMachine::GateMachine(std::string site, std::string machine, MachinePolicy policy,
                         const Clock& clock, Outputs& outputs, GateListener& listener,
                         IdSource& ids)
    : site_(std::move(site)),
      machine_(std::move(machine)),
      policy_(policy),
      clock_(clock),
      outputs_(outputs),
      listener_(listener),
      ids_(ids) {
    // Default deny: whatever the adapter did, the machine starts unpowered.
    outputs_.set_relay(false);
    outputs_.set_after_run(false);
    state_since_ = clock_.wall().unix_ms;
    refresh();
}

void GateMachine::set_policy(const MachinePolicy& policy) {
    // The running session keeps the copy it started with (Session::policy).
    policy_ = policy;
}

std::optional<DenyReason> GateMachine::decide(const Uid& uid, const AccessEntry*& entry) const {
    entry = nullptr;
    if (!list_) return DenyReason::NoAccessList;
    entry = list_->find(uid);
    if (!entry) return DenyReason::UnknownBadge;
    auto now = effective_now(clock_.wall(), *list_);
    if (auto reason = check_member(*entry, now)) return reason;
    // Never reached for the member ending their own session: badge() handles that first.
    if (list_stale(*list_, policy_.acl_max_age_s * 1000, now) &&
        !(policy_.stale_acl_supervisors && entry->role >= Role::Supervisor))
        return DenyReason::AccessListStale;
    if (faulted()) return DenyReason::Fault;
    if (lock_ && entry->role != Role::Maintainer) return DenyReason::Maintenance;
    return std::nullopt;
}

BadgeOutcome GateMachine::badge(const Uid& uid) {
    if (session_ && session_->record.uid == uid.hex()) {
        if (session_->finishing_since) {
            // Back at the machine before the job ended: the session simply goes on.
            session_->finishing_since.reset();
            session_->busy_off_since.reset();
            session_->idle_since = clock_.monotonic();
            refresh();
            return {true, std::nullopt, "resumed"};
        }
        if (session_->policy.session_end == SessionEndMode::CardPresent)
            return {true, std::nullopt, "card still present"};
        if (session_->policy.keep_power_while_busy && busy_) {
            begin_finishing();
            return {true, std::nullopt, "badge out; power kept until the job ends"};
        }
        end(EndReason::BadgeOut);
        return {true, std::nullopt, "badge out"};
    }

    const AccessEntry* entry = nullptr;
    if (auto reason = decide(uid, entry)) return deny(uid, *reason, entry);

    if (session_) {
        const auto rule = session_->policy.takeover;
        bool may_take_over = rule == TakeoverRule::Anyone ||
                             (rule == TakeoverRule::Supervisors &&
                              (entry->role == Role::Supervisor || entry->role == Role::Maintainer));
        if (!may_take_over) return deny(uid, DenyReason::InUse, entry);
        end(EndReason::Takeover, uid.hex(), /*keep_relay=*/true);
        auto outcome = start(uid, *entry);
        if (outcome.granted) outcome.note = "takeover";  // no UID: notes are logged
        return outcome;
    }
    return start(uid, *entry);
}

BadgeOutcome GateMachine::deny(const Uid& uid, DenyReason reason, const AccessEntry* entry) {
    outputs_.indicate(Indication::Denied);
    GateEvent event;
    event.kind = reason == DenyReason::UnknownBadge ? EventKind::UnknownBadge : EventKind::Denied;
    event.uid = uid.hex();
    event.member = entry ? entry->member : "";
    event.reason = std::string(to_string(reason));
    event.at = clock_.wall().unix_ms;
    listener_.badge_event(event);
    return {false, reason, std::string(describe(reason))};
}

BadgeOutcome GateMachine::start(const Uid& uid, const AccessEntry& entry) {
    MonoMs now = clock_.monotonic();
    Session s;
    s.policy = policy_;
    s.started = now;
    s.started_wall = clock_.wall();
    s.admitted_at = effective_now(s.started_wall, *list_);
    s.idle_since = now;
    s.next_checkpoint = now + policy_.checkpoint_s * kSecond;
    if (busy_) s.active_since = now;
    auto& r = s.record;
    r.id = ids_.next_session_id();
    r.site = site_;
    r.machine = machine_;
    r.uid = uid.hex();
    r.member = entry.member;
    r.role = entry.role;
    r.started_at = s.started_wall.unix_ms;
    r.ended_at = r.started_at;
    r.clock_synced = s.started_wall.synchronised;
    if (policy_.has_busy_input) r.active_ms = 0;

    // Announced before powered: a session the listener cannot take is refused, not run unpaid.
    if (auto stored = listener_.session_started(r); !stored) {
        // The takeover path may have left the relay on for this session; nobody holds it now.
        outputs_.set_relay(false);
        refresh();
        return deny(uid, DenyReason::JournalError, &entry);
    }
    session_ = std::move(s);
    outputs_.set_relay(true);
    if (policy_.after_run_s > 0) {
        outputs_.set_after_run(true);
        after_run_until_.reset();
    }
    outputs_.indicate(Indication::Granted);
    state_since_ = r.started_at;
    refresh();
    return {true, std::nullopt, "granted (" + std::string(to_string(entry.role)) + ")"};
}

SessionRecord GateMachine::snapshot(MonoMs now) const {
    const auto& s = *session_;
    SessionRecord r = s.record;
    r.powered_ms = now - s.started;
    if (r.active_ms) r.active_ms = s.active_ms + (s.active_since ? now - *s.active_since : 0);
    auto wall = clock_.wall();
    r.ended_at = wall.unix_ms;
    if (!s.started_wall.synchronised && wall.synchronised) {
        // NTP arrived during the session: the monotonic duration dates the start correctly.
        r.started_at = wall.unix_ms - r.powered_ms;
        r.clock_synced = true;
    } else {
        r.clock_synced = s.started_wall.synchronised && wall.synchronised;
        if (r.ended_at < r.started_at)
            r.ended_at = r.started_at + r.powered_ms;  // clock stepped back
    }
    return r;
}

void GateMachine::end(EndReason reason, std::string ended_by, bool keep_relay) {
    if (!session_) return;
    auto record = snapshot(clock_.monotonic());
    record.end_reason = reason;
    record.ended_by = std::move(ended_by);
    const auto after_run_s = session_->policy.after_run_s;
    session_.reset();
    if (!keep_relay) outputs_.set_relay(false);
    // Counted for a takeover too, whose start may be refused; a start rearms it anyway.
    if (after_run_s > 0) after_run_until_ = clock_.monotonic() + after_run_s * kSecond;
    state_since_ = record.ended_at;
    listener_.session_ended(record);
    refresh();
}

void GateMachine::begin_finishing() {
    session_->finishing_since = clock_.monotonic();
    session_->busy_off_since.reset();
    if (!busy_) session_->busy_off_since = clock_.monotonic();
    refresh();
}

void GateMachine::badge_removed() {
    if (!session_ || session_->policy.session_end != SessionEndMode::CardPresent ||
        session_->finishing_since)
        return;
    if (session_->policy.keep_power_while_busy && busy_)
        begin_finishing();
    else
        end(EndReason::CardRemoved);
}

void GateMachine::set_busy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    if (!session_) return;
    MonoMs now = clock_.monotonic();
    auto& s = *session_;
    if (busy) {
        if (!s.active_since) s.active_since = now;
        s.busy_off_since.reset();
        if (s.warned) s.warned = false;
    } else {
        if (s.active_since) s.active_ms += now - *s.active_since;
        s.active_since.reset();
        s.idle_since = now;
        s.busy_off_since = now;
    }
    if (s.finishing_since && !busy && s.policy.finish_idle_s == 0) {
        end(EndReason::BadgeOut);
        return;
    }
    refresh();
}

void GateMachine::input_changed(InputKind kind, std::string_view name, bool active) {
    switch (kind) {
        case InputKind::Busy:
            set_busy(active);
            return;
        case InputKind::CardPresent:
            if (!active) badge_removed();
            return;
        case InputKind::Interlock: {
            std::string n(name);
            if (active) {
                bool was_faulted = faulted();
                open_interlocks_.insert(n);
                if (session_) end(EndReason::Interlock, n);
                if (!was_faulted) state_since_ = clock_.wall().unix_ms;
            } else {
                open_interlocks_.erase(n);
                if (!faulted()) state_since_ = clock_.wall().unix_ms;
            }
            refresh();
            return;
        }
    }
}

void GateMachine::device_fault(std::string_view device, bool faulted_now, std::string_view) {
    std::string d(device);
    if (d.rfind(kIndicatorPrefix, 0) == 0) {
        // An LED or buzzer: the member loses a signal, not the machine. Reported, never fatal.
        if (faulted_now)
            degraded_devices_.insert(d.substr(kIndicatorPrefix.size()));
        else
            degraded_devices_.erase(d.substr(kIndicatorPrefix.size()));
        refresh();
        return;
    }
    if (d.rfind("reader", 0) == 0) {
        // Without a reader no one new gets in, but a running job is not cut for it, except
        // where the session depends on seeing the card.
        reader_lost_ = faulted_now;
        if (faulted_now && session_ && session_->policy.session_end == SessionEndMode::CardPresent)
            end(EndReason::Fault, d);
        refresh();
        return;
    }
    if (faulted_now) {
        bool was_faulted = faulted();
        faulted_devices_.insert(d);
        if (session_) end(EndReason::Fault, d);
        outputs_.set_relay(false);
        if (!was_faulted) state_since_ = clock_.wall().unix_ms;
    } else {
        faulted_devices_.erase(d);
        if (!faulted()) state_since_ = clock_.wall().unix_ms;
    }
    refresh();
}

std::string GateMachine::command(const Command& cmd) {
    std::string who = cmd.by.empty() ? "manager" : cmd.by;
    switch (cmd.kind) {
        case CommandKind::Lock:
            apply_lock(MaintenanceLock{who, cmd.reason, clock_.wall().unix_ms});
            return status().detail;
        case CommandKind::Unlock:
            if (!lock_) return "was not locked";
            apply_lock(std::nullopt);
            return "unlocked by " + who;
        case CommandKind::EndSession:
            if (!session_) return "no session to end";
            end(EndReason::Remote, who);
            return "session ended by " + who;
    }
    return "unknown command";
}

void GateMachine::apply_lock(std::optional<MaintenanceLock> lock) {
    if (lock == lock_) return;
    // The same lock recorded again (the ledger's copy of a command's lock, a later `since`) is
    // not a new state for the people watching.
    bool same_state = lock.has_value() == lock_.has_value() &&
                      (!lock || (lock->by == lock_->by && lock->reason == lock_->reason));
    lock_ = std::move(lock);
    listener_.lock_changed(lock_);  // journalled before anything else can happen
    // The holder's role now, not at the start: a maintainer since demoted is no exception.
    const AccessEntry* holder = holder_entry();
    if (lock_ && session_ && !(holder && holder->role == Role::Maintainer))
        end(EndReason::Remote, lock_->by);
    if (!same_state) state_since_ = clock_.wall().unix_ms;
    refresh();
}

void GateMachine::restore_lock(std::optional<MaintenanceLock> lock) {
    apply_lock(std::move(lock));
}

void GateMachine::set_access_list(std::shared_ptr<const AccessList> list, bool adopt_lock) {
    list_ = std::move(list);
    if (adopt_lock && list_->maintenance != lock_) apply_lock(list_->maintenance);
    if (session_) {
        // Never powered without a valid right: a revocation or suspension reaches a running
        // session too. Judged at the admission: an expiry passing mid-session does not cut it,
        // a list saying the right was already over then does (a right revoked while an expired
        // one keeps the badge listed, a membership cut short).
        const AccessEntry* entry = holder_entry();
        bool still_allowed = entry && !check_member(*entry, session_->admitted_at) &&
                             (!lock_ || entry->role == Role::Maintainer);
        if (!still_allowed) end(EndReason::Remote, "access revoked");
    }
    refresh();
}

const AccessEntry* GateMachine::holder_entry() const {
    if (!session_ || !list_) return nullptr;
    return list_->find(Uid::parse(session_->record.uid).value_or(Uid{}));
}

void GateMachine::shutdown() {
    end(EndReason::Shutdown);
    after_run_until_.reset();
    outputs_.set_relay(false);
    outputs_.set_after_run(false);
}

std::optional<SessionRecord> GateMachine::open_session() const {
    if (!session_) return std::nullopt;
    return snapshot(clock_.monotonic());
}

Indication GateMachine::steady_indication() const {
    if (session_) {
        if (session_->finishing_since) return Indication::Finishing;
        return session_->warned ? Indication::IdleWarning : Indication::InUse;
    }
    if (faulted()) return Indication::Fault;
    if (lock_) return Indication::Maintenance;
    return Indication::Ready;
}

MachineStatus GateMachine::status() const {
    MachineStatus st;
    st.since = state_since_;
    st.acl_version = list_ ? list_->version : 0;
    st.locked = lock_.has_value();
    if (session_) {
        const auto& r = session_->record;
        st.state = session_->finishing_since ? MachineState::Finishing : MachineState::InUse;
        st.member = r.member;
        st.session = r.id;
        if (const auto* e = holder_entry()) st.name = e->name;
        if (session_->warned) st.detail = "ending soon: idle";
    } else if (faulted()) {
        st.state = MachineState::Fault;
        std::string detail = join(open_interlocks_, " open");
        std::string devices = join(faulted_devices_, " lost");
        st.detail = detail.empty() ? devices : devices.empty() ? detail : detail + "; " + devices;
    } else if (lock_) {
        st.state = MachineState::Maintenance;
        st.detail = "locked by " + lock_->by + (lock_->reason.empty() ? "" : ": " + lock_->reason);
    } else {
        st.state = MachineState::Idle;
    }
    if (reader_lost_) st.detail += std::string(st.detail.empty() ? "" : "; ") + "badge reader lost";
    if (!degraded_devices_.empty())
        st.detail += std::string(st.detail.empty() ? "" : "; ") + join(degraded_devices_, " lost");
    return st;
}

void GateMachine::refresh() {
    auto indication = steady_indication();
    if (indication != last_indication_) {
        last_indication_ = indication;
        outputs_.indicate(indication);
    }
    auto st = status();
    if (!last_status_ || st.state != last_status_->state || st.member != last_status_->member ||
        st.session != last_status_->session || st.detail != last_status_->detail ||
        st.acl_version != last_status_->acl_version || st.since != last_status_->since ||
        st.locked != last_status_->locked) {
        last_status_ = st;
        listener_.status_changed(st);
    }
}

}  // namespace fabgate

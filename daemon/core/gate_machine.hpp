#pragma once
// The gate's decisions: who may switch the machine on, when the session ends, what it meters.
// Pure: time comes from the injected Clock, hardware is behind Outputs, and everything the
// outside world must know goes out through GateListener. The caller runs tick() whenever
// next_deadline() passes.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/messages.hpp"
#include "core/policy_config.hpp"
#include "core/ports.hpp"

namespace fabgate {

class GateListener {
  public:
    virtual ~GateListener() = default;
    // Called before the relay switches on; a failure refuses the badge. The gate takes the
    // record at once and writes it to its journal just after the relay switched, before it
    // handles another event; a write that fails then ends the session with reason fault
    // (docs/architecture.md, "Where durability happens").
    virtual Status session_started(const SessionRecord& open) = 0;
    virtual void session_checkpoint(const SessionRecord& open) = 0;
    virtual void session_ended(const SessionRecord& closed) = 0;
    virtual void status_changed(const MachineStatus& status) = 0;
    virtual void badge_event(const GateEvent& event) = 0;
    // The maintenance lock was set, changed or cleared; the gate keeps it across restarts.
    virtual void lock_changed(const std::optional<MaintenanceLock>& lock) { (void)lock; }
};

class IdSource {
  public:
    virtual ~IdSource() = default;
    virtual std::string next_session_id() = 0;
};

struct BadgeOutcome {
    bool granted = false;
    std::optional<DenyReason> denied;
    std::string note;  // for the log: "badge out", "takeover"...; never a UID
};

class GateMachine {
  public:
    GateMachine(std::string site, std::string machine, MachinePolicy policy, const Clock& clock,
                Outputs& outputs, GateListener& listener, IdSource& ids);

    BadgeOutcome badge(const Uid& uid);
    void badge_removed();
    void input_changed(InputKind kind, std::string_view name, bool active);
    // Devices other than the badge reader put the machine in fault with the relay off, except
    // indicators ("indicator:led_ready", "indicator:buzzer"): those only show in the status.
    void device_fault(std::string_view device, bool faulted, std::string_view reason);
    std::string command(const Command& command);
    // A newer list's maintenance lock is authoritative: it locks or unlocks the machine.
    // `adopt_lock` false: the cached list at a restart, when the journal's lock is newer.
    void set_access_list(std::shared_ptr<const AccessList> list, bool adopt_lock = true);
    // After a restart: the lock the gate had (its journal), which is at least as new as the
    // cached list, so it is applied after that list.
    void restore_lock(std::optional<MaintenanceLock> lock);
    const std::optional<MaintenanceLock>& lock() const { return lock_; }
    // Config reload: applies from the next session; the running one keeps its own copy.
    void set_policy(const MachinePolicy& policy);
    // Ends any session with reason `shutdown` and switches every output off.
    void shutdown();

    void tick();
    std::optional<MonoMs> next_deadline() const;

    MachineStatus status() const;
    bool relay_on() const { return session_.has_value(); }
    const AccessList* access_list() const { return list_.get(); }
    std::optional<SessionRecord> open_session() const;

  private:
    struct Session {
        // Frozen at the start: a reload never changes the rules of a session already running.
        MachinePolicy policy;
        SessionRecord record;
        WallTime started_wall;
        // The time the right was judged at (effective_now): a later list is judged there too.
        UnixMs admitted_at = 0;
        MonoMs started = 0;
        std::optional<MonoMs> active_since;  // empty: busy input not active
        std::int64_t active_ms = 0;
        MonoMs idle_since = 0;
        std::optional<MonoMs> finishing_since;  // empty: not finishing
        std::optional<MonoMs> busy_off_since;   // when busy last went off; empty while busy
        MonoMs next_checkpoint = 0;
        bool warned = false;
    };

    std::optional<DenyReason> decide(const Uid& uid, const AccessEntry*& entry) const;
    BadgeOutcome deny(const Uid& uid, DenyReason reason, const AccessEntry* entry);
    BadgeOutcome start(const Uid& uid, const AccessEntry& entry);
    void end(EndReason reason, std::string ended_by = {}, bool keep_relay = false);
    SessionRecord snapshot(MonoMs now) const;
    // The running session's holder in the list in force (none: no longer listed).
    const AccessEntry* holder_entry() const;
    void begin_finishing();
    void set_busy(bool busy);
    bool faulted() const { return !open_interlocks_.empty() || !faulted_devices_.empty(); }
    std::optional<MonoMs> warning_deadline() const;
    std::optional<MonoMs> end_deadline(EndReason* reason) const;
    void refresh();  // publish status and steady signal if they changed
    void apply_lock(std::optional<MaintenanceLock> lock);
    Indication steady_indication() const;

    std::string site_;
    std::string machine_;
    MachinePolicy policy_;
    const Clock& clock_;
    Outputs& outputs_;
    GateListener& listener_;
    IdSource& ids_;

    std::shared_ptr<const AccessList> list_;
    std::optional<Session> session_;
    bool busy_ = false;
    std::optional<MaintenanceLock> lock_;
    bool reader_lost_ = false;
    std::set<std::string> open_interlocks_;
    std::set<std::string> faulted_devices_;
    std::set<std::string> degraded_devices_;  // lost indicators: reported, not a fault
    std::optional<MonoMs> after_run_until_;
    UnixMs state_since_ = 0;
    std::optional<MachineStatus> last_status_;
    std::optional<Indication> last_indication_;
};

}  // namespace fabgate

#pragma once
// The machine daemon: badge reader and inputs in, relay out, sessions to the journal and over
// MQTT, access lists and commands from the broker. Everything runs on the one event loop.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/gate_config.hpp"
#include "core/gate_machine.hpp"
#include "gate/access_list_applier.hpp"
#include "gate/durable_actions.hpp"
#include "gate/journal.hpp"
#include "gate/session_outbox.hpp"
#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"

namespace fabgate {

using HardwareFactory = std::function<Result<std::unique_ptr<Outputs>>(
    const GateConfig&, EventLoop&, HardwareEvents&, const Clock&)>;

struct GateTuning {
    int outbox_window = 500;  // sessions published and not yet acknowledged
    std::chrono::milliseconds resend_after{60'000};
    // How often a journal that could not be opened or recovered at start is tried again.
    std::chrono::milliseconds journal_retry{10'000};
    // A journal commit not yet on disk after this faults the machine (relay off) until it is:
    // at most this much machine time rides on a record a power cut could undo.
    std::chrono::milliseconds sync_deadline{5'000};
    // Empty: the WAL sync thread (gate/wal_sync_thread.hpp). Tests inject one they can hold.
    JournalSyncerFactory syncer;
};

// The coordinator: start-up, reload and commands here; the outbox pump (session_outbox.hpp) and
// the access lists (access_list_applier.hpp) are classes of their own it feeds.
class GateApp final : public GateListener, public HardwareEvents, private SessionLink {
  public:
    // The device name under which a journal that cannot be opened faults the machine.
    static constexpr std::string_view kJournalDevice = "journal";
    // The device name under which a journal the disk does not sync in time faults the machine.
    static constexpr std::string_view kJournalDiskDevice = "journal disk";

    GateApp(EventLoop& loop, const Clock& clock, IdSource& ids, GateConfig config,
            HardwareFactory hardware, std::string config_path = {}, GateTuning tuning = {});
    ~GateApp() override;
    GateApp(const GateApp&) = delete;
    GateApp& operator=(const GateApp&) = delete;

    // Hardware first (relay off), the machine, then the journal (closing sessions a crash left
    // open, loading the cached access list) and the broker link. A journal that cannot be
    // opened or recovered (a full disk) leaves the gate in fault, relay off, retrying every
    // GateTuning::journal_retry until it recovers by itself. Other failures here are fatal.
    Status start();
    // SIGTERM: relay off, session closed with reason shutdown, state published, loop stopped.
    void shutdown();
    // SIGHUP: re-read the config file; apply it if valid, keep the old one otherwise.
    void reload();

    GateMachine& machine() { return *machine_; }
    Journal& journal() { return *journal_; }
    bool broker_connected() const { return mqtt_ && mqtt_->connected(); }
    // Acks that were not validly signed by the ledger for this gate, since start.
    std::uint64_t refused_acks() const { return outbox_.refused_acks(); }

    // HardwareEvents
    void badge_presented(const Uid& uid) override;
    void badge_removed() override;
    void input_changed(InputKind kind, std::string_view name, bool active) override;
    void device_fault(std::string_view device, bool faulted, std::string_view reason) override;

    // GateListener
    Status session_started(const SessionRecord& open) override;
    void session_checkpoint(const SessionRecord& open) override;
    void session_ended(const SessionRecord& closed) override;
    void status_changed(const MachineStatus& status) override;
    void badge_event(const GateEvent& event) override;
    void lock_changed(const std::optional<MaintenanceLock>& lock) override;

  private:
    // gate_app.cpp: start-up, hardware events in, state out.
    std::string topic(std::string_view leaf) const;
    Status connect_broker();
    void after_event();
    void publish_status();

    // SessionLink: the outbox publishes through the broker link.
    bool link_up() const override;
    bool publish_session(std::string_view payload) override;

    // gate_app_inbox.cpp: what the broker and the operator send.
    void on_message(std::string_view topic, std::string_view payload);
    void handle_command(std::string_view payload);

    // gate_app_journal.cpp: what must reach the disk, and when it has.
    void retry_unjournaled();
    Status open_journal();
    void schedule_journal_retry();
    void schedule_unjournaled_retry();
    Status start_syncer();
    // Asks for the journal's latest commits to be synced.
    void journal_written();
    // Publishes the outbox through `seq` once the journal's latest commit is on disk.
    void publish_when_durable(std::int64_t seq);
    // Writes the session start the relay did not wait for (gate_app_journal.cpp).
    void write_session_start();

    EventLoop& loop_;
    const Clock& clock_;
    IdSource& ids_;
    GateConfig config_;
    HardwareFactory hardware_factory_;
    std::string config_path_;
    GateTuning tuning_;

    std::unique_ptr<Outputs> outputs_;
    std::optional<Journal> journal_;
    std::unique_ptr<DurableActions> durable_;
    std::unique_ptr<GateMachine> machine_;
    // Made with the machine, in start().
    std::unique_ptr<AccessListApplier> acl_;
    SessionOutbox outbox_;
    std::unique_ptr<MqttLink> mqtt_;
    EventLoop::TimerId deadline_timer_ = 0;
    EventLoop::TimerId journal_retry_timer_ = 0;
    std::optional<MachineStatus> status_;
    // Closed sessions the journal could not take (disk full): kept and retried, never dropped.
    std::vector<SessionRecord> unjournaled_;
    // A session whose relay is on and whose start is written when the event's handling ends.
    std::optional<SessionRecord> unwritten_start_;
    // A start the journal refused faulted the machine until the journal takes writes again.
    bool start_write_faulted_ = false;
    bool shutting_down_ = false;
    // Hardware may report (an interlock already open, a missing reader) while it is being
    // opened, before the machine exists: those reports are replayed, not lost.
    std::vector<std::function<void()>> early_events_;
};

}  // namespace fabgate

#include "gate/gate_app.hpp"

#include <utility>

#include "core/topics.hpp"
#include "sys/log.hpp"
#include "sys/uid_tag.hpp"

namespace fabgate {
GateApp::GateApp(EventLoop& loop, const Clock& clock, IdSource& ids, GateConfig config,
                 HardwareFactory hardware, std::string config_path, GateTuning tuning)
    : loop_(loop),
      clock_(clock),
      ids_(ids),
      config_(std::move(config)),
      hardware_factory_(std::move(hardware)),
      config_path_(std::move(config_path)),
      tuning_(tuning),
      outbox_(loop, clock, config_, *this, {tuning_.outbox_window, tuning_.resend_after},
              [this] { journal_written(); }) {}

GateApp::~GateApp() {
    if (!shutting_down_ && machine_) machine_->shutdown();
    // No retry timer fires any more: a close the journal refused gets its last try here, or
    // the next start bills the session only to its last checkpoint, as a power loss.
    for (const auto& closed : unjournaled_)
        if (auto s = journal_ ? journal_->session_closed(closed) : fail("journal", "not open"); !s)
            log::error("journal", "session " + closed.id + " lost at shutdown (" +
                                      s.error().message() +
                                      "); the next start closes it at its last checkpoint");
    journal_written();
    // Waits for the sync of what shutdown() just wrote (the closed session), off the loop's
    // clock: the relay is already off.
    if (durable_) durable_->finish();
    durable_.reset();
    mqtt_.reset();
    if (deadline_timer_) loop_.cancel_timer(deadline_timer_);
    if (journal_retry_timer_) loop_.cancel_timer(journal_retry_timer_);
    acl_.reset();
    machine_.reset();
    outputs_.reset();  // releases the lines, relay off
}

std::string GateApp::topic(std::string_view leaf) const {
    return topics::machine(config_.site, config_.machine, leaf);
}

Status GateApp::start() {
    TRY_ASSIGN(auto outputs, hardware_factory_(config_, loop_, *this, clock_));
    outputs_ = std::move(outputs);
    outputs_->set_relay(false);

    machine_ = std::make_unique<GateMachine>(config_.site, config_.machine, config_.policy, clock_,
                                             *outputs_, *this, ids_);
    acl_ = std::make_unique<AccessListApplier>(
        config_, clock_, *machine_, [this](std::function<void()> once_durable) {
            journal_written();
            if (journal_ && durable_)
                durable_->after_durable(journal_->commits(), std::move(once_durable));
            else
                once_durable();
        });
    for (auto& replay : std::exchange(early_events_, {})) replay();

    acl_->load_high_water();  // before the journal's cached list is applied
    // A journal that cannot be opened or recovered (a full disk, most often) is a fault, not an
    // exit: the gate runs with the relay off and keeps trying (systemd would give up instead).
    if (auto opened = open_journal(); !opened) {
        device_fault(kJournalDevice, true, opened.error().message());
        schedule_journal_retry();
    }

    deadline_timer_ = loop_.add_timer(std::chrono::hours(1), [this] {
        machine_->tick();
        after_event();
    });
    // Without these, session limits and resends would silently never happen: refuse to run.
    if (!deadline_timer_)
        return fail("event loop", "cannot create the gate's timers (out of file descriptors?)");
    TRY(outbox_.start());

    TRY(connect_broker());

    auto pending = journal_ ? journal_->outbox_size() : Result<std::int64_t>(0);
    log::info("gate",
              config_.machine + " ready: relay off, " + std::to_string(pending.value_or(0)) +
                  " session(s) waiting for delivery, access list version " +
                  std::to_string(machine_->access_list() ? machine_->access_list()->version : 0));
    after_event();
    return {};
}

Status GateApp::connect_broker() {
    MqttOptions options;
    options.broker = config_.broker;
    options.clean_session = true;  // access lists are retained; missed acks lead to a resend
    mqtt_ = std::make_unique<MqttLink>(loop_, options);
    // The broker publishes the will when the gate vanishes, so it can only say what was true
    // at the connection it replaces: when the gate (re)connected, and the list it held then.
    mqtt_->set_will_source([this] {
        MachineStatus offline;
        offline.state = MachineState::Offline;
        offline.since = clock_.wall().unix_ms;
        offline.acl_version = machine_->access_list() ? machine_->access_list()->version : 0;
        offline.detail = "gate disconnected";
        return MqttWill{topic(topics::kState.leaf), encode(offline), topics::kState.retain,
                        topics::kState.qos};
    });
    mqtt_->on_connected([this] {
        publish_status();
        outbox_.connected();
    });
    mqtt_->on_disconnected([this] { outbox_.disconnected(); });
    mqtt_->on_message([this](std::string_view t, std::string_view p, bool retained) {
        // The broker hands a retained copy to every new subscription: on commands that is an old
        // one (someone's mosquitto_pub -r), replayed at each reconnect, maybe over a later lock.
        if (retained && t == topic(topics::kCommands.leaf)) {
            log::warning("command", "ignored a retained command on " + std::string(t) +
                                        ": commands act only when sent (mosquitto_pub -r -n -t " +
                                        std::string(t) + " clears it)");
            return;
        }
        on_message(t, p);
    });
    mqtt_->on_refusals_changed([this] { publish_status(); });
    mqtt_->subscribe(topic(topics::kAcl.leaf), topics::kAcl.qos);
    mqtt_->subscribe(topic(topics::kAcks.leaf), topics::kAcks.qos);
    mqtt_->subscribe(topic(topics::kCommands.leaf), topics::kCommands.qos);
    return mqtt_->start();
}

bool GateApp::link_up() const {
    return mqtt_ && mqtt_->connected();
}

bool GateApp::publish_session(std::string_view payload) {
    return mqtt_
        ->publish(topic(topics::kSessions.leaf), payload, topics::kSessions.qos,
                  topics::kSessions.retain)
        .has_value();
}

void GateApp::after_event() {
    write_session_start();
    if (!machine_ || !deadline_timer_) return;
    auto deadline = machine_->next_deadline();
    if (!deadline) {
        loop_.disarm(deadline_timer_);  // nothing to wait for: sleep
        return;
    }
    auto delay = std::max<MonoMs>(1, *deadline - clock_.monotonic());
    loop_.arm(deadline_timer_, std::chrono::milliseconds(delay));
}

void GateApp::badge_presented(const Uid& uid) {
    if (!machine_) return;  // a badge during start-up is not a member's intent to start now
    auto outcome = machine_->badge(uid);
    if (outcome.granted)
        log::info("badge", uid_tag(uid.hex()) + ": " + outcome.note);
    else
        log::notice("badge", uid_tag(uid.hex()) + ": refused: " + outcome.note);
    after_event();
}

void GateApp::badge_removed() {
    if (!machine_) return;
    machine_->badge_removed();
    after_event();
}

void GateApp::input_changed(InputKind kind, std::string_view name, bool active) {
    std::string n(name);
    if (!machine_) {
        early_events_.push_back([this, kind, n, active] { input_changed(kind, n, active); });
        return;
    }
    switch (kind) {
        case InputKind::Busy:
            log::info("input", std::string("busy ") + (active ? "on" : "off"));
            break;
        case InputKind::Interlock:
            log::notice("input", "interlock " + n + (active ? " open" : " closed"));
            break;
        case InputKind::CardPresent:
            log::info("input", std::string("card ") + (active ? "present" : "removed"));
            break;
    }
    machine_->input_changed(kind, name, active);
    after_event();
}

void GateApp::device_fault(std::string_view device, bool faulted, std::string_view reason) {
    if (!machine_) {
        early_events_.push_back([this, d = std::string(device), faulted, r = std::string(reason)] {
            device_fault(d, faulted, r);
        });
        return;
    }
    if (faulted)
        log::error("hardware",
                   std::string(device) + " lost: " + std::string(reason) + "; retrying");
    else
        log::notice("hardware", std::string(device) + " is back");
    machine_->device_fault(device, faulted, reason);
    after_event();
}

void GateApp::status_changed(const MachineStatus& status) {
    status_ = status;
    std::string line = "state " + std::string(to_string(status.state));
    if (!status.member.empty())
        line += " (" + (status.name.empty() ? status.member : status.name) + ")";
    if (!status.detail.empty()) line += ": " + status.detail;
    log::info("gate", line);
    publish_status();
}

void GateApp::badge_event(const GateEvent& event) {
    if (!mqtt_ || !mqtt_->connected()) return;  // the refusal is in the log either way
    // QoS 0, as docs/protocol.md says: events are advice (the log has every refusal), they are
    // not journaled, the ledger subscribes at QoS 0 anyway, and a QoS 1 burst of refusals would
    // take in-flight slots that sessions need.
    (void)mqtt_->publish(topic(topics::kEvents.leaf), encode(event), topics::kEvents.qos,
                         topics::kEvents.retain);
}

void GateApp::publish_status() {
    if (!status_ || !mqtt_ || !mqtt_->connected()) return;
    MachineStatus shown = *status_;
    // A topic the broker refuses stays silent (no lists, no acks, no commands): say so where
    // managers look, not only in the gate's own log.
    for (const auto& pattern : mqtt_->refused_subscriptions())
        shown.detail += (shown.detail.empty() ? "" : "; ") + std::string("broker refuses ") +
                        pattern.substr(pattern.rfind('/') + 1);
    (void)mqtt_->publish(topic(topics::kState.leaf), encode(shown), topics::kState.qos,
                         topics::kState.retain);
}

void GateApp::lock_changed(const std::optional<MaintenanceLock>& lock) {
    if (!journal_) return;
    if (auto s = journal_->store_lock(lock); !s)
        log::error("journal", std::string("cannot record the maintenance lock (") +
                                  (lock ? "locked" : "unlocked") +
                                  "); it holds until the gate restarts: " + s.error().message());
    journal_written();
}

void GateApp::shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    log::notice("gate", "shutting down: relay off");
    if (machine_) machine_->shutdown();
    if (mqtt_ && mqtt_->connected()) {
        outbox_.pump();
        MachineStatus offline;
        offline.state = MachineState::Offline;
        offline.since = clock_.wall().unix_ms;
        offline.acl_version = machine_->access_list() ? machine_->access_list()->version : 0;
        offline.detail = "gate stopped";
        (void)mqtt_->publish(topic(topics::kState.leaf), encode(offline), topics::kState.qos,
                             topics::kState.retain);
    }
    if (mqtt_) mqtt_->stop();
    loop_.stop(0);
}

}  // namespace fabgate

#include "gate/gate_app.hpp"

#include <utility>

#include "core/topics.hpp"
#include "gate/ack_intake.hpp"
#include "gate/acl_intake.hpp"
#include "gate/hardware_change.hpp"
#include "gate/uid_tag.hpp"
#include "sys/log.hpp"

namespace fabgate {
namespace {

std::string seconds(std::int64_t ms) {
    return std::to_string(ms / 1000) + " s";
}

}  // namespace

GateApp::GateApp(EventLoop& loop, const Clock& clock, IdSource& ids, GateConfig config,
                 HardwareFactory hardware, std::string config_path, GateTuning tuning)
    : loop_(loop),
      clock_(clock),
      ids_(ids),
      config_(std::move(config)),
      hardware_factory_(std::move(hardware)),
      config_path_(std::move(config_path)),
      tuning_(tuning) {}

GateApp::~GateApp() {
    if (!shutting_down_ && machine_) machine_->shutdown();
    // Waits for the sync of what shutdown() just wrote (the closed session), off the loop's
    // clock: the relay is already off.
    durable_.reset();
    mqtt_.reset();
    if (deadline_timer_) loop_.cancel_timer(deadline_timer_);
    if (journal_retry_timer_) loop_.cancel_timer(journal_retry_timer_);
    if (resend_timer_) loop_.cancel_timer(resend_timer_);
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
    for (auto& replay : std::exchange(early_events_, {})) replay();

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
    resend_timer_ = loop_.add_timer(std::chrono::hours(1), [this] {
        if (inflight_ == 0) return;
        auto waited = clock_.monotonic() - last_progress_;
        if (waited >= tuning_.resend_after.count()) {
            log::notice("gate", "no ack for " + seconds(waited) + "; publishing the outbox again");
            sent_seq_ = 0;
            inflight_ = 0;
            pump_outbox();
        } else {
            loop_.arm(resend_timer_,
                      std::chrono::milliseconds(tuning_.resend_after.count() - waited));
        }
    });
    // Without these, session limits and resends would silently never happen: refuse to run.
    if (!deadline_timer_ || !resend_timer_)
        return fail("event loop", "cannot create the gate's timers (out of file descriptors?)");
    loop_.disarm(resend_timer_);

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
        return MqttWill{topic("state"), encode(offline), true};
    });
    mqtt_->on_connected([this] { on_connected(); });
    mqtt_->on_disconnected([this] {
        sent_seq_ = 0;
        inflight_ = 0;
    });
    mqtt_->on_message([this](std::string_view t, std::string_view p, bool) { on_message(t, p); });
    mqtt_->subscribe(topic("acl"), 1);
    mqtt_->subscribe(topic("acks"), 1);
    mqtt_->subscribe(topic("commands"), 1);
    if (auto s = mqtt_->start(); !s) return s;

    auto pending = journal_ ? journal_->outbox_size() : Result<std::int64_t>(0);
    log::info("gate",
              config_.machine + " ready: relay off, " + std::to_string(pending.value_or(0)) +
                  " session(s) waiting for delivery, access list version " +
                  std::to_string(machine_->access_list() ? machine_->access_list()->version : 0));
    after_event();
    return {};
}

void GateApp::after_event() {
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
        log::info("badge", gate::uid_tag(uid.hex()) + ": " + outcome.note);
    else
        log::notice("badge", gate::uid_tag(uid.hex()) + ": refused: " + outcome.note);
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
    (void)mqtt_->publish(topic("events"), encode(event), 0, false);
}

void GateApp::publish_status() {
    if (!status_ || !mqtt_ || !mqtt_->connected()) return;
    (void)mqtt_->publish(topic("state"), encode(*status_), 1, true);
}

void GateApp::on_connected() {
    sent_seq_ = 0;
    inflight_ = 0;
    publish_status();
    pump_outbox();
}

void GateApp::pump_outbox() {
    if (!mqtt_ || !mqtt_->connected() || !journal_) return;
    int room = tuning_.outbox_window - inflight_;
    if (room <= 0) return;
    if (sent_seq_ >= publishable_seq_) return;
    auto entries = journal_->outbox(sent_seq_, room);
    if (!entries) {
        log::error("journal", "cannot read the outbox: " + entries.error().message());
        return;
    }
    bool was_idle = inflight_ == 0;
    for (const auto& e : *entries) {
        if (e.seq > publishable_seq_) break;  // not on disk yet: a power cut could undo it
        if (!mqtt_->publish(topic("sessions"), e.payload, 1, false)) break;
        sent_seq_ = e.seq;
        ++inflight_;
    }
    if (was_idle && inflight_ > 0) {
        last_progress_ = clock_.monotonic();
        loop_.arm(resend_timer_, tuning_.resend_after);
    }
}

void GateApp::on_message(std::string_view topic_name, std::string_view payload) {
    auto parsed = topics::parse(topic_name);
    if (!parsed || parsed->site != config_.site || parsed->machine != config_.machine) return;
    if (parsed->leaf == "acl")
        handle_access_list(payload);
    else if (parsed->leaf == "acks")
        handle_ack(payload);
    else if (parsed->leaf == "commands")
        handle_command(payload);
    after_event();
}

void GateApp::handle_access_list(std::string_view payload) {
    if (payload.empty()) return;  // a cleared retained message
    auto list = read_access_list(payload, config_);
    if (!list) {
        log::error("acl", "access list refused, the one in force stays: " + list.error().message());
        return;
    }
    (void)apply_access_list(std::move(*list), payload, /*from_cache=*/false);
}

Status GateApp::apply_access_list(AccessList list, std::string_view payload, bool from_cache) {
    auto refuse = [&](const std::string& why) -> Status {
        log::error("acl", std::string(from_cache ? "cached " : "") + "access list version " +
                              std::to_string(list.version) + " refused: " + why);
        return fail("acl", why);
    };
    if (list.site != config_.site || list.machine != config_.machine)
        return refuse("it is for " + list.site + "/" + list.machine + ", this gate is " +
                      config_.site + "/" + config_.machine);
    // A list past its valid_until from the broker is a replay (or the ledger has been down
    // longer than the validity): refused even by a gate whose journal was wiped. The cached
    // copy is still applied; it then starts no session, per policy.stale_acl.
    if (!from_cache && list.valid_until && clock_.wall().unix_ms >= *list.valid_until)
        return refuse("it expired (valid_until " + std::to_string(*list.valid_until) +
                      "): a replayed old list, or the ledger has not reissued it");
    const auto* current = machine_->access_list();
    if (current && list.version <= current->version) {
        if (list.version == current->version) return {};  // the retained copy of what we have
        return refuse("version " + std::to_string(list.version) + " is older than version " +
                      std::to_string(current->version) + " in force");
    }
    if (!from_cache && journal_) {
        if (auto s = journal_->store_access_list(list.version, payload); !s)
            log::warning("acl",
                         "applied but not cached (it will be fetched again after a restart): " +
                             s.error().message());
        journal_written();
    }
    auto version = list.version;
    auto badges = list.entries.size();
    machine_->set_access_list(std::make_shared<AccessList>(std::move(list)),
                              /*adopt_lock=*/!(from_cache && lock_from_journal_));
    log::info("acl", std::string(from_cache ? "cached " : "") + "access list version " +
                         std::to_string(version) + " in force (" + std::to_string(badges) +
                         " badges)");
    return {};
}

void GateApp::handle_ack(std::string_view payload) {
    auto ack = read_ack(payload, config_);
    if (!ack) {
        // A forged ack would lose a session's billing: it deletes nothing, the sessions are
        // resent, and the count tells how often someone tried.
        ++refused_acks_;
        log::warning("ack",
                     "refused (" + std::to_string(refused_acks_) +
                         " so far), the sessions stay in the outbox: " + ack.error().message());
        return;
    }
    if (!journal_) return;  // unacknowledged sessions stay in the outbox and are resent
    auto removed = journal_->acknowledge(ack->ids);
    if (!removed) {
        log::error("journal", "cannot remove acknowledged sessions: " + removed.error().message());
        return;
    }
    journal_written();
    inflight_ = std::max(0, inflight_ - *removed);
    last_progress_ = clock_.monotonic();
    log::debug("mqtt", std::to_string(*removed) + " session(s) acknowledged by the ledger");
    if (inflight_ == 0) loop_.disarm(resend_timer_);
    pump_outbox();
}

void GateApp::handle_command(std::string_view payload) {
    auto command = decode_command(payload);
    if (!command) {
        log::warning("command", "refused: " + command.error().message());
        return;
    }
    log::notice("command", machine_->command(*command));
    // The answer fabctl waits for: a fresh state, even when the command changed nothing.
    publish_status();
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
        pump_outbox();
        MachineStatus offline;
        offline.state = MachineState::Offline;
        offline.since = clock_.wall().unix_ms;
        offline.acl_version = machine_->access_list() ? machine_->access_list()->version : 0;
        offline.detail = "gate stopped";
        (void)mqtt_->publish(topic("state"), encode(offline), 1, true);
    }
    if (mqtt_) mqtt_->stop();
    loop_.stop(0);
}

void GateApp::reload() {
    if (config_path_.empty()) {
        log::notice("gate", "reload: running on the embedded config, nothing to reload");
        return;
    }
    auto fresh = load_gate_config_file(config_path_);
    if (!fresh) {
        for (const auto& e : fresh.error())
            log::error("config", "reload refused, old config kept: " + e.message());
        return;
    }
    if (auto changed = hardware_change(config_.hardware, fresh->hardware); !changed.empty()) {
        log::error("config", "reload refused, old config kept: " + changed +
                                 " changed, and hardware changes need a restart");
        return;
    }
    if (fresh->site != config_.site || fresh->machine != config_.machine ||
        fresh->journal != config_.journal || fresh->broker.host != config_.broker.host ||
        fresh->broker.port != config_.broker.port)
        log::warning("config",
                     "site, machine, journal and broker changes take effect after a restart");
    // Trust settings apply to the next list or ack: a key rotation needs no restart.
    config_.acl_public_keys = fresh->acl_public_keys;
    config_.insecure_unsigned_acl = fresh->insecure_unsigned_acl;
    config_.acl_max_bytes = fresh->acl_max_bytes;
    config_.policy = fresh->policy;
    config_.policy.has_busy_input = config_.hardware.busy.has_value();
    machine_->set_policy(config_.policy);
    log::notice("config", "reloaded " + config_path_ + ": policies apply from the next session");
}

}  // namespace fabgate

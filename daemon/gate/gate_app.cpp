#include "gate/gate_app.hpp"

#include <utility>

#include "core/topics.hpp"
#include "sys/log.hpp"

namespace fabgate {
namespace {

std::string seconds(std::int64_t ms) {
    return std::to_string(ms / 1000) + " s";
}

std::string describe_session(const SessionRecord& s) {
    std::string text = "session " + s.id + " (" + (s.member.empty() ? s.uid : s.member) +
                       "): " + std::string(to_string(s.end_reason)) + ", powered " +
                       seconds(s.powered_ms);
    if (s.active_ms) text += ", active " + seconds(*s.active_ms);
    if (!s.ended_by.empty()) text += ", by " + s.ended_by;
    return text;
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
    mqtt_.reset();
    if (deadline_timer_) loop_.cancel_timer(deadline_timer_);
    if (resend_timer_) loop_.cancel_timer(resend_timer_);
    machine_.reset();
    outputs_.reset();  // releases the lines, relay off
}

std::string GateApp::topic(std::string_view leaf) const {
    return topics::machine(config_.site, config_.machine, leaf);
}

Status GateApp::start() {
    auto outputs = hardware_factory_(config_, loop_, *this, clock_);
    if (!outputs) return tl::unexpected(outputs.error());
    outputs_ = std::move(*outputs);
    outputs_->set_relay(false);

    auto journal = Journal::open(config_.journal);
    if (!journal) return tl::unexpected(journal.error());
    journal_.emplace(std::move(*journal));
    auto interrupted = journal_->close_interrupted();
    if (!interrupted) return tl::unexpected(interrupted.error());
    for (const auto& s : *interrupted)
        log::warning("gate", "closed at its last checkpoint after a crash or power cut: " +
                                 describe_session(s));

    auto journalled_lock = journal_->load_lock();
    if (!journalled_lock) return tl::unexpected(journalled_lock.error());
    machine_ = std::make_unique<GateMachine>(config_.site, config_.machine, config_.policy, clock_,
                                             *outputs_, *this, ids_);
    // Before anything can be decided: a restart never unlocks a machine.
    if (*journalled_lock) {
        lock_from_journal_ = true;
        machine_->restore_lock(**journalled_lock);
        if (**journalled_lock)
            log::notice("gate", "locked for maintenance, as before the restart: " +
                                    machine_->status().detail);
    }
    for (auto& replay : std::exchange(early_events_, {})) replay();

    auto cached = journal_->load_access_list();
    if (!cached) return tl::unexpected(cached.error());
    if (*cached) {
        auto snapshot = decode_access_list((*cached)->payload);
        if (snapshot)
            (void)apply_access_list(*snapshot, (*cached)->payload, /*from_cache=*/true);
        else
            log::error("gate",
                       "cached access list cannot be read (" + snapshot.error().message() +
                           "); waiting for a new one from the broker, refusing badges until then");
    } else {
        log::notice("gate",
                    "no access list yet: every badge is refused until one arrives from the broker");
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
            loop_.rearm(resend_timer_,
                        std::chrono::milliseconds(tuning_.resend_after.count() - waited));
        }
    });
    loop_.rearm(resend_timer_, std::chrono::milliseconds(0));

    MqttOptions options;
    options.broker = config_.broker;
    options.clean_session = true;  // access lists are retained; missed acks lead to a resend
    MachineStatus offline;
    offline.state = MachineState::Offline;
    offline.detail = "gate disconnected";
    options.will = MqttWill{topic("state"), encode(offline), true};
    mqtt_ = std::make_unique<MqttLink>(loop_, options);
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

    auto pending = journal_->outbox_size();
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
        loop_.rearm(deadline_timer_, std::chrono::milliseconds(0));  // nothing to wait for: sleep
        return;
    }
    auto delay = std::max<MonoMs>(1, *deadline - clock_.monotonic());
    loop_.rearm(deadline_timer_, std::chrono::milliseconds(delay));
}

void GateApp::badge_presented(const Uid& uid) {
    if (!machine_) return;  // a badge during start-up is not a member's intent to start now
    auto outcome = machine_->badge(uid);
    if (outcome.granted)
        log::info("badge", uid.hex() + ": " + outcome.note);
    else
        log::notice("badge", uid.hex() + ": refused: " + outcome.note);
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

Status GateApp::session_started(const SessionRecord& open) {
    auto stored = journal_->session_opened(open);
    if (!stored) {
        log::error("journal", "cannot record a new session: " + stored.error().message());
        return stored;
    }
    loop_.add_oneshot(std::chrono::milliseconds(0), [this, id = open.id] {
        if (auto s = journal_->make_durable(id); !s)
            log::warning("journal", "sync failed: " + s.error().message());
    });
    log::info("session", open.id + " started for " + open.member + " (" + open.uid + ")");
    return {};
}

void GateApp::session_checkpoint(const SessionRecord& open) {
    if (auto s = journal_->checkpoint(open); !s)
        log::warning("journal", "checkpoint failed: " + s.error().message());
}

void GateApp::session_ended(const SessionRecord& closed) {
    log::info("session", describe_session(closed));
    if (auto s = journal_->session_closed(closed); !s) {
        log::error("journal", "cannot move session " + closed.id + " to the outbox (" +
                                  s.error().message() + "); keeping it in memory and retrying");
        unjournaled_.push_back(closed);
        loop_.add_oneshot(std::chrono::seconds(10), [this] { retry_unjournaled(); });
        return;
    }
    pump_outbox();
}

void GateApp::retry_unjournaled() {
    while (!unjournaled_.empty()) {
        if (auto s = journal_->session_closed(unjournaled_.front()); !s) {
            loop_.add_oneshot(std::chrono::seconds(10), [this] { retry_unjournaled(); });
            return;
        }
        unjournaled_.erase(unjournaled_.begin());
    }
    pump_outbox();
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
    (void)mqtt_->publish(topic("events"), encode(event), 1, false);
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
    auto entries = journal_->outbox(sent_seq_, room);
    if (!entries) {
        log::error("journal", "cannot read the outbox: " + entries.error().message());
        return;
    }
    bool was_idle = inflight_ == 0;
    for (const auto& e : *entries) {
        if (!mqtt_->publish(topic("sessions"), e.payload, 1, false)) break;
        sent_seq_ = e.seq;
        ++inflight_;
    }
    if (was_idle && inflight_ > 0) {
        last_progress_ = clock_.monotonic();
        loop_.rearm(resend_timer_, tuning_.resend_after);
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
    auto snapshot = decode_access_list(payload);
    if (!snapshot) {
        log::error("acl",
                   "access list refused, the one in force stays: " + snapshot.error().message());
        return;
    }
    (void)apply_access_list(*snapshot, std::string(payload), /*from_cache=*/false);
}

Status GateApp::apply_access_list(const AccessSnapshot& snapshot, const std::string& payload,
                                  bool from_cache) {
    const auto& list = snapshot.list;
    auto refuse = [&](const std::string& why) -> Status {
        log::error("acl", std::string(from_cache ? "cached " : "") + "access list version " +
                              std::to_string(list.version) + " refused: " + why);
        return fail("acl", why);
    };
    if (list.site != config_.site || list.machine != config_.machine)
        return refuse("it is for " + list.site + "/" + list.machine + ", this gate is " +
                      config_.site + "/" + config_.machine);
    const auto* current = machine_->access_list();
    if (current && list.version <= current->version) {
        if (list.version == current->version) return {};  // the retained copy of what we have
        return refuse("version " + std::to_string(list.version) + " is older than version " +
                      std::to_string(current->version) + " in force");
    }
    if (verifier_)
        if (auto s = verifier_(snapshot); !s) return refuse(s.error().message());
    if (!from_cache)
        if (auto s = journal_->store_access_list(list.version, payload); !s)
            log::warning("acl",
                         "applied but not cached (it will be fetched again after a restart): " +
                             s.error().message());
    machine_->set_access_list(std::make_shared<AccessList>(list),
                              /*adopt_lock=*/!(from_cache && lock_from_journal_));
    log::info("acl", std::string(from_cache ? "cached " : "") + "access list version " +
                         std::to_string(list.version) + " in force (" +
                         std::to_string(list.entries.size()) + " badges)");
    return {};
}

void GateApp::handle_ack(std::string_view payload) {
    auto ack = decode_ack(payload);
    if (!ack) {
        log::warning("mqtt", "ack ignored: " + ack.error().message());
        return;
    }
    auto removed = journal_->acknowledge(ack->ids);
    if (!removed) {
        log::error("journal", "cannot remove acknowledged sessions: " + removed.error().message());
        return;
    }
    inflight_ = std::max(0, inflight_ - *removed);
    last_progress_ = clock_.monotonic();
    log::debug("mqtt", std::to_string(*removed) + " session(s) acknowledged by the ledger");
    if (inflight_ == 0) loop_.rearm(resend_timer_, std::chrono::milliseconds(0));
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
    if (fresh->site != config_.site || fresh->machine != config_.machine ||
        fresh->journal != config_.journal || fresh->broker.host != config_.broker.host ||
        fresh->broker.port != config_.broker.port ||
        fresh->hardware.kind != config_.hardware.kind ||
        fresh->hardware.busy.has_value() != config_.hardware.busy.has_value())
        log::warning(
            "config",
            "site, machine, journal, broker and hardware changes take effect after a restart");
    config_.policy = fresh->policy;
    config_.policy.has_busy_input = config_.hardware.busy.has_value();
    machine_->set_policy(config_.policy);
    log::notice("config", "reloaded " + config_path_ + ": policies apply from the next session");
}

}  // namespace fabgate

// What the broker and the operator tell the gate: access lists (handed to the
// AccessListApplier), acks (to the SessionOutbox), commands from fabctl, and SIGHUP reloads of
// the config file.
#include "core/topics.hpp"
#include "gate/gate_app.hpp"
#include "gate/hardware_change.hpp"
#include "sys/log.hpp"

namespace fabgate {

void GateApp::on_message(std::string_view topic_name, std::string_view payload) {
    auto parsed = topics::parse(topic_name);
    if (!parsed || parsed->site != config_.site || parsed->machine != config_.machine) return;
    if (parsed->leaf == "acl")
        acl_->received(payload);
    else if (parsed->leaf == "acks")
        outbox_.handle_ack(payload);
    else if (parsed->leaf == "commands")
        handle_command(payload);
    after_event();
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

// What the broker and the operator tell the gate: access lists (checked, then applied only
// when newer than the one in force and not older than the high-water mark; an hourly renewal of
// unchanged content mostly in memory only), commands from
// fabctl, and SIGHUP reloads of the config file.
#include "core/topics.hpp"
#include "gate/acl_high_water.hpp"
#include "gate/acl_intake.hpp"
#include "gate/acl_renewal.hpp"
#include "gate/gate_app.hpp"
#include "gate/hardware_change.hpp"
#include "sys/log.hpp"

namespace fabgate {
namespace {

// What the gate remembers of the journal's cached list: everything but the entries.
AccessList stamp_of(const AccessList& list) {
    AccessList stamp;
    stamp.site = list.site;
    stamp.machine = list.machine;
    stamp.version = list.version;
    stamp.generated_at = list.generated_at;
    stamp.valid_until = list.valid_until;
    return stamp;
}

}  // namespace

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
    // With no list in force (a wiped journal) or an older one, the mark still knows better.
    if (list.version < acl_high_water_)
        return refuse("version " + std::to_string(list.version) + " is older than version " +
                      std::to_string(acl_high_water_) + ", which this gate accepted before (" +
                      acl_high_water_path_ + "): a replayed old list");
    // A renewal of the list in force (acl_renewal.hpp) is applied in memory only until the
    // journal's copy is due: the copy and the high-water mark stay together at its version.
    bool renewal_only = !from_cache && current && cached_acl_ && renews_in_force(*current, list) &&
                        !renewal_due_for_cache(*cached_acl_, list, config_.policy.acl_max_age_s);
    if (!from_cache && journal_ && !renewal_only) {
        if (auto s = journal_->store_access_list(list.version, payload); !s) {
            log::warning("acl",
                         "applied but not cached (it will be fetched again after a restart): " +
                             s.error().message());
            cached_acl_.reset();
        } else {
            cached_acl_ = stamp_of(list);
        }
        journal_written();
    }
    if (from_cache) cached_acl_ = stamp_of(list);
    if (!renewal_only) raise_acl_high_water(list);
    auto version = list.version;
    auto badges = list.entries.size();
    machine_->set_access_list(std::make_shared<AccessList>(std::move(list)),
                              /*adopt_lock=*/!(from_cache && lock_from_journal_));
    log::info("acl", std::string(from_cache ? "cached " : "") + "access list version " +
                         std::to_string(version) + " in force (" + std::to_string(badges) +
                         " badges)");
    return {};
}

void GateApp::load_acl_high_water() {
    acl_high_water_path_ = acl_high_water_path(config_.journal, config_.site, config_.machine);
    auto mark = read_acl_high_water(acl_high_water_path_, config_.site, config_.machine);
    if (!mark) {
        // Refusing every list would need a person at the gate; the journal's version and the
        // valid_until window still guard, and the next list accepted rewrites the mark.
        log::warning("acl", "access-list high-water mark ignored: " + mark.error().message() +
                                "; until the next list, only the journal's version and the "
                                "lists' valid_until stop a replayed older list");
        return;
    }
    if (!*mark) {
        log::notice("acl", "no access-list high-water mark yet (" + acl_high_water_path_ +
                               "): it is written when a list is accepted");
        return;
    }
    acl_high_water_ = (*mark)->version;
    log::info("acl", "lists older than version " + std::to_string(acl_high_water_) +
                         " are refused (high-water mark " + acl_high_water_path_ + ")");
}

void GateApp::raise_acl_high_water(const AccessList& applied) {
    if (applied.version <= acl_high_water_) return;
    auto written = write_acl_high_water(acl_high_water_path_, config_.site, config_.machine,
                                        {applied.version, applied.generated_at});
    if (!written) {
        log::error("acl", "access list version " + std::to_string(applied.version) +
                              " applied, but the high-water mark was not kept: " +
                              written.error().message() +
                              "; after a journal wipe an older list would be taken");
        return;
    }
    acl_high_water_ = applied.version;
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

#include "gate/access_list_applier.hpp"

#include <memory>
#include <utility>

#include "gate/acl_high_water.hpp"
#include "gate/acl_intake.hpp"
#include "gate/acl_renewal.hpp"
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

AccessListApplier::AccessListApplier(const GateConfig& config, const Clock& clock,
                                     GateMachine& machine, JournalWritten journal_written)
    : config_(config),
      clock_(clock),
      machine_(machine),
      journal_written_(std::move(journal_written)) {}

void AccessListApplier::attach(Journal& journal) {
    journal_ = &journal;
}

void AccessListApplier::received(std::string_view payload) {
    if (payload.empty()) return;  // a cleared retained message
    auto list = read_access_list(payload, config_);
    if (!list) {
        log::error("acl", "access list refused, the one in force stays: " + list.error().message());
        return;
    }
    (void)apply(std::move(*list), payload, /*from_cache=*/false);
}

void AccessListApplier::apply_cached(std::string_view payload) {
    auto list = read_access_list(payload, config_);
    if (list)
        (void)apply(std::move(*list), payload, /*from_cache=*/true);
    else
        log::error("gate", "cached access list cannot be read (" + list.error().message() +
                               "); waiting for a new one from the broker, refusing badges until "
                               "then");
}

Status AccessListApplier::apply(AccessList list, std::string_view payload, bool from_cache) {
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
    const auto* current = machine_.access_list();
    if (current && list.version <= current->version) {
        if (list.version == current->version) return {};  // the retained copy of what we have
        return refuse("version " + std::to_string(list.version) + " is older than version " +
                      std::to_string(current->version) + " in force");
    }
    // With no list in force (a wiped journal) or an older one, the mark still knows better.
    if (list.version < high_water_)
        return refuse("version " + std::to_string(list.version) + " is older than version " +
                      std::to_string(high_water_) + ", which this gate accepted before (" +
                      high_water_path_ + "): a replayed old list");
    // A renewal of the list in force is applied in memory only until the journal's copy is
    // due: the copy and the high-water mark stay together at its version.
    bool renewal_only = !from_cache && current && cached_ && renews_in_force(*current, list) &&
                        !renewal_due_for_cache(*cached_, list, config_.policy.acl_max_age_s);
    // In force first: the lock it brings is journalled before the list is cached. Commits reach
    // the disk in order, so a power cut between them leaves a lock record no older than the
    // cached list, which is what a restart assumes when the record wins over the cache.
    auto in_force = std::make_shared<const AccessList>(std::move(list));
    machine_.set_access_list(in_force, /*adopt_lock=*/!(from_cache && lock_from_journal_));
    if (from_cache) {
        cached_ = stamp_of(*in_force);
        raise_high_water(in_force->version, in_force->generated_at);
    } else if (!renewal_only) {
        cache(*in_force, payload);
    }
    auto version = in_force->version;
    auto badges = in_force->entries.size();
    log::info("acl", std::string(from_cache ? "cached " : "") + "access list version " +
                         std::to_string(version) + " in force (" + std::to_string(badges) +
                         " badges)");
    return {};
}

// The mark follows the cached copy onto the disk, never ahead of it: a power cut between the
// two would otherwise leave a mark above the copy, and the gate would refuse its own cache as a
// replay at the next start. A copy that was not written does not hold the mark back.
void AccessListApplier::cache(const AccessList& list, std::string_view payload) {
    const auto version = list.version;
    const auto issued_at = list.generated_at;
    if (!journal_) return raise_high_water(version, issued_at);
    if (auto s = journal_->store_access_list(version, payload); !s) {
        log::warning("acl", "applied but not cached (it will be fetched again after a restart): " +
                                s.error().message());
        cached_.reset();
        return raise_high_water(version, issued_at);
    }
    cached_ = stamp_of(list);
    journal_written_([this, version, issued_at] { raise_high_water(version, issued_at); });
}

void AccessListApplier::load_high_water() {
    high_water_path_ = acl_high_water_path(config_.journal, config_.site, config_.machine);
    auto mark = read_acl_high_water(high_water_path_, config_.site, config_.machine);
    if (!mark) {
        // Refusing every list would need a person at the gate; the journal's version and the
        // valid_until window still guard, and the next list accepted rewrites the mark.
        log::warning("acl", "access-list high-water mark ignored: " + mark.error().message() +
                                "; until the next list, only the journal's version and the "
                                "lists' valid_until stop a replayed older list");
        return;
    }
    if (!*mark) {
        log::notice("acl", "no access-list high-water mark yet (" + high_water_path_ +
                               "): it is written when a list is accepted");
        return;
    }
    high_water_ = (*mark)->version;
    log::info("acl", "lists older than version " + std::to_string(high_water_) +
                         " are refused (high-water mark " + high_water_path_ + ")");
}

void AccessListApplier::raise_high_water(std::int64_t version, UnixMs issued_at) {
    if (version <= high_water_) return;
    auto written =
        write_acl_high_water(high_water_path_, config_.site, config_.machine, {version, issued_at});
    if (!written) {
        log::error("acl", "access list version " + std::to_string(version) +
                              " applied, but the high-water mark was not kept: " +
                              written.error().message() +
                              "; after a journal wipe an older list would be taken");
        return;
    }
    high_water_ = version;
}

}  // namespace fabgate

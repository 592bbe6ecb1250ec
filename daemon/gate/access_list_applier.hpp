#pragma once
// Access lists from the broker and the journal's cached copy: checked (acl_intake.hpp), then
// applied only when for this gate, unexpired, newer than the one in force and not older than
// the high-water mark (acl_high_water.hpp). An hourly renewal of unchanged content is applied
// in memory only until the journal's copy is due (acl_renewal.hpp).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/gate_config.hpp"
#include "core/gate_machine.hpp"
#include "gate/journal.hpp"

namespace fabgate {

class AccessListApplier {
  public:
    // `config` is read at each list (its keys and policy change on reload); `journal_written`
    // is told of each list cached, so the sync that makes it durable is asked for, and given
    // what to do once the disk has it.
    using JournalWritten = std::function<void(std::function<void()> once_durable)>;
    AccessListApplier(const GateConfig& config, const Clock& clock, GateMachine& machine,
                      JournalWritten journal_written);

    // Reads the high-water mark: before the journal's cached list is applied.
    void load_high_water();
    // The journal, once it is open: lists are cached there from then on.
    void attach(Journal& journal);
    // The journal held a lock state at start: it is newer than the cached list's.
    void lock_came_from_journal() { lock_from_journal_ = true; }

    // A list from the broker; a refused one leaves the list in force.
    void received(std::string_view payload);
    // The journal's cached list, checked like one from the broker: the SD card is no safer
    // than the network.
    void apply_cached(std::string_view payload);
    // The version below which every list is refused (0: no mark).
    std::int64_t high_water() const { return high_water_; }

  private:
    Status apply(AccessList list, std::string_view payload, bool from_cache);
    void raise_high_water(std::int64_t version, UnixMs issued_at);
    void cache(const AccessList& list, std::string_view payload);

    const GateConfig& config_;
    const Clock& clock_;
    GateMachine& machine_;
    JournalWritten journal_written_;
    Journal* journal_ = nullptr;

    bool lock_from_journal_ = false;
    std::string high_water_path_;
    std::int64_t high_water_ = 0;
    // The journal's cached list without its entries (none: not known to be cached); renewals
    // of the list in force are written to the journal only when due.
    std::optional<AccessList> cached_;
};

}  // namespace fabgate

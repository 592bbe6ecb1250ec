#pragma once
// The lab's machines and their maintenance locks. Every change writes an audit_log row in the
// same transaction, naming the actor ("fabctl:alice").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "ledger/audited_store.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

struct Machine {
    std::string site;
    std::string id;
    std::string name;
    std::optional<std::string> group_name;
};

// find(site, id) and all() come from KeyedStore.
class MachineStore : public KeyedStore<Machine, std::string_view, std::string_view> {
  public:
    explicit MachineStore(db::Database& db);

    Status upsert(const Machine& m, std::string_view actor, UnixMs now);
    Status remove(std::string_view site, std::string_view id, std::string_view actor, UnixMs now);
    // The machine's maintenance lock, none if unlocked (or the machine does not exist).
    Result<std::optional<MaintenanceLock>> lock_of(std::string_view site, std::string_view id);
    // Locks (or with nullopt unlocks) a machine for maintenance; audited as machine.maintenance.
    // The machine's next access list carries it.
    Status set_lock(std::string_view site, std::string_view id,
                    const std::optional<MaintenanceLock>& lock, std::string_view actor, UnixMs now);
};

}  // namespace fabgate::ledger

#pragma once
// The highest access-list version this gate has accepted, kept in a small file of its own beside
// the journal (the unit's StateDirectory), not in the journal: a gate whose journal was wiped or
// rebuilt still refuses an older, validly signed list replayed to it (one that re-admits a
// suspended member). The file is replaced atomically (write, fsync, rename, fsync of the
// directory), so a power cut leaves the old mark or the new one, never half of one.
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace fabgate {

struct AclHighWater {
    std::int64_t version = 0;
    UnixMs issued_at = 0;  // of that version: tells an operator how old the mark is
};

// Where the mark of gate site/machine lives: the journal's directory, under a name no
// `journal.db*` glob matches, one per gate (tests and benches run several gates in one
// directory; site and machine ids are [A-Za-z0-9_-]).
std::string acl_high_water_path(const std::string& journal_path, const std::string& site,
                                const std::string& machine);

// None: no mark yet (a new gate, or the file was deleted). An error: the file is unreadable or
// is not a mark of this site and machine.
Result<std::optional<AclHighWater>> read_acl_high_water(const std::string& path,
                                                        const std::string& site,
                                                        const std::string& machine);
Status write_acl_high_water(const std::string& path, const std::string& site,
                            const std::string& machine, const AclHighWater& mark);

}  // namespace fabgate

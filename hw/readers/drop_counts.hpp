#pragma once
// Bad input never crashes a reader and never turns into a wrong UID: it is dropped and counted,
// so an installer can tell a noisy cable from a silent one.
#include <cstdint>
#include <map>
#include <string>

namespace fabgate::readers {

// reason ("rdm6300.bad_checksum") -> frames dropped for it since start.
using DropCounts = std::map<std::string, std::uint64_t>;

}  // namespace fabgate::readers

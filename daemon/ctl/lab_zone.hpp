#pragma once
// The lab's time zone, read from the system tz database (tzdata) by Howard Hinnant's date
// library: the rules change by decree, so they are never written down here.
#include <memory>
#include <string>

#include "core/result.hpp"
#include "ctl/parse.hpp"

namespace fabgate::ctl {

// An IANA name such as "Europe/Paris". Unknown names are refused with the name in the error.
Result<std::unique_ptr<ZoneRules>> load_zone(const std::string& iana_name);

}  // namespace fabgate::ctl

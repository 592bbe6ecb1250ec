#pragma once
// A pass over an access-list body's raw bytes before the JSON parser sees them.
#include <string_view>

#include "core/acl_wire.hpp"
#include "core/result.hpp"

namespace fabgate {

// Refuses a body whose strings, literals or nesting exceed `limits` and the format, in one
// pass that allocates nothing.
Status prescan_access_list_body(std::string_view body, const AclParseLimits& limits);

}  // namespace fabgate

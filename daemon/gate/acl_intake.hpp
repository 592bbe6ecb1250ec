#pragma once
// What a gate does with an access-list payload before it may decide anything from it: the size
// bound (acl_max_bytes), the envelope, the signature over the raw body (acl_public_keys, or
// refusal unless insecure_unsigned_acl), and only then the bounded parse of the body. Used for
// lists from the broker and for the journal's cached copy alike.
#include <string_view>

#include "core/access.hpp"
#include "core/gate_config.hpp"
#include "core/result.hpp"

namespace fabgate {

Result<AccessList> read_access_list(std::string_view payload, const GateConfig& config);

}  // namespace fabgate

#include "gate/acl_intake.hpp"

#include "core/acl_wire.hpp"
#include "sys/acl_signature.hpp"

namespace fabgate {

Result<AccessList> read_access_list(std::string_view payload, const GateConfig& config) {
    if (payload.size() > static_cast<std::size_t>(config.acl_max_bytes))
        return fail("acl", "payload is " + std::to_string(payload.size()) +
                               " bytes, larger than acl_max_bytes (" +
                               std::to_string(config.acl_max_bytes) + ")");
    TRY_ASSIGN(auto wire, split_access_list(payload));
    if (!config.acl_public_keys.empty()) {
        TRY(acl_signature::verify(wire, config.acl_public_keys));
    } else if (!config.insecure_unsigned_acl) {
        return fail("acl",
                    "this gate has no acl_public_keys, and unsigned lists are refused unless "
                    "the config says \"insecure_unsigned_acl\": true");
    }
    return parse_access_list_body(wire.body);
}

}  // namespace fabgate

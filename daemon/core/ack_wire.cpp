#include "core/ack_wire.hpp"

#include <nlohmann/json.hpp>

#include "core/ids.hpp"
#include "core/json_reader.hpp"
#include "core/messages.hpp"
#include "core/signed_envelope.hpp"

namespace fabgate {

namespace {
constexpr std::int64_t kMaxMs = 253'402'300'799'000;  // 9999-12-31
}  // namespace

std::string encode_ack_body(const SignedAck& ack) {
    nlohmann::json j{{"v", kProtocolVersion},  {"type", "ack"}, {"site", ack.site},
                     {"machine", ack.machine}, {"at", ack.at},  {"ids", ack.ids}};
    return j.dump();
}

Result<SignedAck> decode_ack_body(std::string_view body) {
    TRY_ASSIGN(auto doc, parse_json(body, "ack", kMaxPayloadBytes));
    JsonErrors errors;
    ObjectReader r(doc, "", errors);
    if (!r.valid()) return tl::unexpected(errors.combined("ack"));
    SignedAck ack;
    auto v = r.integer("v", 0, INT32_MAX, true);
    if (v && *v != kProtocolVersion)
        return fail("ack", "schema version " + std::to_string(*v) + " is not supported");
    auto type = r.string("type", true);
    if (type && *type != "ack") errors.add("type", "payload has type '" + *type + "'");
    ack.site = r.string("site", true).value_or("");
    if (r.has("site") && !is_valid_id(ack.site)) errors.add("site", "is not a site id");
    ack.machine = r.string("machine", true).value_or("");
    if (r.has("machine") && !is_valid_id(ack.machine)) errors.add("machine", "is not a machine id");
    ack.at = r.integer("at", 0, kMaxMs, true).value_or(0);
    const auto* ids = r.child("ids");
    if (!ids || !ids->is_array()) {
        errors.add("ids", "must be a list of session ids");
    } else if (ids->size() > kMaxAckIds) {
        errors.add("ids", "holds " + std::to_string(ids->size()) + " ids, more than the " +
                              std::to_string(kMaxAckIds) + " allowed");
    } else {
        for (const auto& id : *ids) {
            if (!id.is_string() || id.get<std::string>().empty() ||
                id.get<std::string>().size() > kMaxSessionIdBytes) {
                errors.add("ids", "must hold only session ids (1 to " +
                                      std::to_string(kMaxSessionIdBytes) + " characters)");
                break;
            }
            ack.ids.push_back(id.get<std::string>());
        }
    }
    r.reject_unknown_keys();
    if (!errors.empty()) return tl::unexpected(errors.combined("ack"));
    return ack;
}

Result<SignedAck> decode_ack_payload(std::string_view payload) {
    TRY_ASSIGN(auto wire, split_signed(payload, kAckEnvelopeType));
    return decode_ack_body(wire.body);
}

}  // namespace fabgate

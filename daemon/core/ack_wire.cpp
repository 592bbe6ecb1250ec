#include "core/ack_wire.hpp"

#include <nlohmann/json.hpp>

#include "core/ids.hpp"
#include "core/json_reader.hpp"
#include "core/messages.hpp"
#include "core/signed_envelope.hpp"

namespace fabgate {

namespace {

constexpr std::int64_t kMaxMs = 253'402'300'799'000;  // 9999-12-31

// A JSON string as nlohmann's dump() writes it: the two-character escapes where JSON has one,
// \u00xx (lower-case hex) for the other control characters, every other byte as it is. The ids
// come from decoded payloads, so they are valid UTF-8 (on which dump() would throw).
void append_json_string(std::string& out, std::string_view text) {
    static constexpr std::string_view kShortEscaped = "\"\\\b\f\n\r\t";
    static constexpr std::string_view kShortEscapes = "\"\\bfnrt";
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t plain_from = 0;
    for (std::size_t n = 0; n < text.size(); ++n) {
        auto c = static_cast<unsigned char>(text[n]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.substr(plain_from, n - plain_from));
        plain_from = n + 1;
        out.push_back('\\');
        if (auto short_escape = kShortEscaped.find(text[n]);
            short_escape != std::string_view::npos) {
            out.push_back(kShortEscapes[short_escape]);
        } else {
            out.append("u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    out.append(text.substr(plain_from));
    out.push_back('"');
}

}  // namespace

// Written directly, not through an nlohmann DOM (a copy of every id, then a serializer): the
// ledger sends one per machine and batch, and building it that way was a twelfth of its CPU per
// session. The bytes are dump()'s, keys in its (sorted) order; ack_wire_test pins that.
std::string encode_ack_body(const SignedAck& ack) {
    std::size_t size = 96 + ack.site.size() + ack.machine.size();
    for (const auto& id : ack.ids) size += id.size() + 3;
    std::string out;
    out.reserve(size);
    out.append("{\"at\":").append(std::to_string(ack.at)).append(",\"ids\":[");
    for (std::size_t n = 0; n < ack.ids.size(); ++n) {
        if (n > 0) out.push_back(',');
        append_json_string(out, ack.ids[n]);
    }
    out.append("],\"machine\":");
    append_json_string(out, ack.machine);
    out.append(",\"site\":");
    append_json_string(out, ack.site);
    out.append(",\"type\":\"ack\",\"v\":").append(std::to_string(kProtocolVersion)).push_back('}');
    return out;
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

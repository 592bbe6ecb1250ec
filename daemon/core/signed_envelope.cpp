#include "core/signed_envelope.hpp"

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"

namespace fabgate {

using nlohmann::json;

Result<SignedWire> split_signed(std::string_view payload, std::string_view envelope_type) {
    SignedWire wire;
    wire.body = payload;
    auto newline = payload.substr(0, kMaxEnvelopeBytes + 1).find('\n');
    // A body never holds a raw newline (compact JSON), so without one this is an unsigned body.
    if (newline == std::string_view::npos) return wire;
    const std::string what = std::string(envelope_type) + " envelope";
    TRY_ASSIGN(auto envelope, parse_json(payload.substr(0, newline), what, kMaxEnvelopeBytes));
    JsonErrors errors;
    ObjectReader r(envelope, "", errors);
    if (!r.valid()) return tl::unexpected(errors.combined(what));
    auto v = r.integer("v", 0, INT32_MAX, true);
    if (v && *v == 1)
        return fail(what,
                    "version 1 (a signature over the body alone, not naming its key) is "
                    "no longer accepted: the ledger that sent it is older than this gate");
    if (v && *v != kEnvelopeVersion)
        return fail(what, "schema version " + std::to_string(*v) + " is not supported");
    auto type = r.string("type", true);
    if (type && *type != envelope_type)
        errors.add("type", "is '" + *type + "', must be " + std::string(envelope_type));
    // Required: the signature covers the key id (signed_envelope.hpp), so it must be named.
    wire.key_id = r.string("key_id", true).value_or("");
    if (r.has("key_id") && (wire.key_id.size() != 16 ||
                            wire.key_id.find_first_not_of("0123456789abcdef") != std::string::npos))
        errors.add("key_id", "must be 16 lower-case hex digits");
    wire.signature = r.string("sig", true).value_or("");
    if (wire.signature.empty() && r.has("sig")) errors.add("sig", "must not be empty");
    r.reject_unknown_keys();
    if (!errors.empty()) return tl::unexpected(errors.combined(what));
    wire.body = payload.substr(newline + 1);
    return wire;
}

std::string join_signed(std::string_view body, std::string_view envelope_type,
                        std::string_view key_id, std::string_view signature) {
    if (signature.empty()) return std::string(body);
    json envelope{{"v", kEnvelopeVersion}, {"type", envelope_type}};
    envelope["key_id"] = key_id;
    envelope["sig"] = signature;
    std::string out = envelope.dump();
    out.reserve(out.size() + 1 + body.size());
    out += '\n';
    out += body;
    return out;
}

}  // namespace fabgate

#include "core/messages.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/acl_wire.hpp"
#include "core/enum_names.hpp"
#include "core/ids.hpp"
#include "core/json_reader.hpp"

namespace fabgate {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxMs = kMaxTimestampMs;
constexpr std::int64_t kMaxDurationMs = kMaxSessionDurationMs;
constexpr std::size_t kMaxEchoedBytes = 64;  // of a refused value, in its error

// Decodes `payload` with `read`, checking size, JSON syntax, the schema version and the type.
template <class T, class F>
Result<T> decode(std::string_view payload, std::string_view type, std::size_t max_bytes, F&& read) {
    TRY_ASSIGN(auto doc, parse_json(payload, type, max_bytes));
    JsonErrors errors;
    ObjectReader r(doc, "", errors);
    if (!r.valid()) return tl::unexpected(errors.combined(std::string(type)));
    auto v = r.integer("v", 0, INT32_MAX, true);
    if (v && *v != kProtocolVersion)
        return fail(std::string(type), "schema version " + std::to_string(*v) +
                                           " is not supported (this gate speaks " +
                                           std::to_string(kProtocolVersion) + ")");
    auto t = r.string("type", true);
    if (t && *t != type) return fail(std::string(type), "payload has type '" + *t + "'");
    T out = read(r, errors);
    r.reject_unknown_keys();
    if (!errors.empty()) return tl::unexpected(errors.combined(std::string(type)));
    return out;
}

json header(std::string_view type) {
    return json{{"v", kProtocolVersion}, {"type", type}};
}

std::string read_id(ObjectReader& r, const std::string& key, JsonErrors& errors,
                    bool required = true) {
    auto s = r.string(key, required).value_or("");
    if (!s.empty() && !is_valid_id(s))
        errors.add(r.path(key), "use letters, digits, '-' and '_' only");
    return s;
}

std::string read_uid(ObjectReader& r, const std::string& key, JsonErrors& errors, bool required) {
    auto s = r.string(key, required);
    if (!s || s->empty()) return "";
    auto uid = Uid::parse(*s);
    if (!uid) {
        errors.add(r.path(key), uid.error().what);
        return "";
    }
    return uid->hex();
}

// A string field of at most `max_bytes`; a longer one is an error naming the field, and reads
// as empty so nothing downstream copies it.
std::string read_text(ObjectReader& r, const std::string& key, JsonErrors& errors,
                      std::size_t max_bytes, bool required = false) {
    auto s = r.string(key, required).value_or("");
    if (s.size() <= max_bytes) return s;
    errors.add(r.path(key), "is " + std::to_string(s.size()) + " bytes, longer than the " +
                                std::to_string(max_bytes) + " allowed");
    return "";
}

void put_optional(json& j, const char* key, const std::optional<std::int64_t>& v) {
    j[key] = v ? json(*v) : json(nullptr);
}

// A required field naming one value of an enum, read with `parse`; `refusal` ends the error
// for any other value ("is 'x', not a known end reason").
template <class Enum, class Parse>
void read_enum(ObjectReader& r, const char* key, JsonErrors& errors, Parse&& parse,
               std::string_view refusal, Enum& out) {
    auto text = r.string(key, true);
    if (!text) return;
    if (auto parsed = parse(*text))
        out = *parsed;
    else if (text->size() <= kMaxEchoedBytes)
        errors.add(key, "is '" + *text + "', " + std::string(refusal));
    else  // not echoed: the error is logged and stored, and must stay small
        errors.add(
            key, "is a " + std::to_string(text->size()) + "-byte string, " + std::string(refusal));
}

constexpr EnumNames<EndReason, 10> kEndReasonNames{{{EndReason::BadgeOut, "badge_out"},
                                                    {EndReason::CardRemoved, "card_removed"},
                                                    {EndReason::IdleTimeout, "idle_timeout"},
                                                    {EndReason::MaxDuration, "max_duration"},
                                                    {EndReason::Takeover, "takeover"},
                                                    {EndReason::Interlock, "interlock"},
                                                    {EndReason::Fault, "fault"},
                                                    {EndReason::Remote, "remote"},
                                                    {EndReason::Shutdown, "shutdown"},
                                                    {EndReason::PowerLoss, "power_loss"}}};

constexpr EnumNames<MachineState, 6> kMachineStateNames{{{MachineState::Idle, "idle"},
                                                         {MachineState::InUse, "in_use"},
                                                         {MachineState::Finishing, "finishing"},
                                                         {MachineState::Maintenance, "maintenance"},
                                                         {MachineState::Fault, "fault"},
                                                         {MachineState::Offline, "offline"}}};

constexpr EnumNames<EventKind, 3> kEventKindNames{{{EventKind::Denied, "denied"},
                                                   {EventKind::UnknownBadge, "unknown_badge"},
                                                   {EventKind::Granted, "granted"}}};

constexpr EnumNames<CommandKind, 3> kCommandKindNames{{{CommandKind::Lock, "lock"},
                                                       {CommandKind::Unlock, "unlock"},
                                                       {CommandKind::EndSession, "end_session"}}};

// A required field naming a value of `names`: a missing or unknown name is reported by choice()
// and reads as `fallback`.
template <class Enum, std::size_t N>
Enum read_kind(ObjectReader& r, const char* key, const EnumNames<Enum, N>& names, Enum fallback) {
    const auto table = names.table({});  // reading never names a value outside the table
    auto text = r.choice(key, table.names(), true);
    return table.value_of(text.value_or("")).value_or(fallback);
}

}  // namespace

EnumNameTable<EndReason> enum_names(EndReason) {
    return kEndReasonNames.table("unknown");
}

std::string encode(const SessionRecord& s) {
    json j = header("session");
    j["id"] = s.id;
    j["site"] = s.site;
    j["machine"] = s.machine;
    j["uid"] = s.uid;
    j["member"] = s.member;
    j["role"] = to_string(s.role);
    j["started_at"] = s.started_at;
    j["ended_at"] = s.ended_at;
    j["clock_synced"] = s.clock_synced;
    j["powered_ms"] = s.powered_ms;
    put_optional(j, "active_ms", s.active_ms);
    j["end_reason"] = to_string(s.end_reason);
    j["ended_by"] = s.ended_by;
    return j.dump();
}

Result<SessionRecord> decode_session(std::string_view payload) {
    if (auto plain = detail::decode_plain_session(payload)) return std::move(*plain);
    return detail::decode_session_with_reader(payload);
}

Result<SessionRecord> detail::decode_session_with_reader(std::string_view payload) {
    return decode<SessionRecord>(
        payload, "session", kMaxPayloadBytes, [](ObjectReader& r, JsonErrors& errors) {
            SessionRecord s;
            s.id = r.string("id", true).value_or("");
            if (s.id.empty() || s.id.size() > kMaxSessionIdBytes)
                errors.add("id", "must be a session id of 1 to 64 characters");
            s.site = read_id(r, "site", errors);
            s.machine = read_id(r, "machine", errors);
            s.uid = read_uid(r, "uid", errors, true);
            s.member = read_text(r, "member", errors, kMaxTextFieldBytes);
            // A session is only ever opened for a role that may use the machine.
            auto session_role = [](std::string_view text) -> std::optional<Role> {
                auto role = role_from_string(text);
                return role == Role::None ? std::nullopt : role;
            };
            read_enum(r, "role", errors, session_role, "must be user, supervisor or maintainer",
                      s.role);
            s.started_at = r.integer("started_at", 0, kMaxMs, true).value_or(0);
            s.ended_at = r.integer("ended_at", 0, kMaxMs, true).value_or(0);
            if (s.ended_at < s.started_at) errors.add("ended_at", "is before started_at");
            s.clock_synced = r.boolean("clock_synced", true).value_or(false);
            s.powered_ms = r.integer("powered_ms", 0, kMaxDurationMs, true).value_or(0);
            s.active_ms = r.integer("active_ms", 0, kMaxDurationMs);
            if (s.active_ms && *s.active_ms > s.powered_ms)
                errors.add("active_ms", "is larger than powered_ms");
            read_enum(r, "end_reason", errors, end_reason_from_string, "not a known end reason",
                      s.end_reason);
            s.ended_by = read_text(r, "ended_by", errors, kMaxTextFieldBytes);
            return s;
        });
}

EnumNameTable<MachineState> enum_names(MachineState) {
    return kMachineStateNames.table("unknown");
}

std::string encode(const MachineStatus& s) {
    json j = header("state");
    j["state"] = to_string(s.state);
    j["since"] = s.since;
    j["member"] = s.member;
    if (!s.name.empty()) j["name"] = s.name;  // lists carry no names any more
    j["session"] = s.session;
    j["detail"] = s.detail;
    j["acl_version"] = s.acl_version;
    j["locked"] = s.locked;
    return j.dump();
}

Result<MachineStatus> decode_status(std::string_view payload) {
    return decode<MachineStatus>(
        payload, "state", kMaxPayloadBytes, [](ObjectReader& r, JsonErrors& errors) {
            MachineStatus s;
            read_enum(r, "state", errors, machine_state_from_string, "not a known machine state",
                      s.state);
            s.since = r.integer_or("since", 0, kMaxMs, 0);
            s.member = read_text(r, "member", errors, kMaxTextFieldBytes);
            s.name = read_text(r, "name", errors, kMaxTextFieldBytes);
            s.session = read_text(r, "session", errors, kMaxSessionIdBytes);
            s.detail = read_text(r, "detail", errors, kMaxDetailBytes);
            s.acl_version = r.integer_or("acl_version", 0, INT64_MAX, 0);
            s.locked = r.boolean("locked", false).value_or(false);
            return s;
        });
}

std::string encode(const GateEvent& e) {
    json j = header("event");
    j["event"] = kEventKindNames.table("granted").name_of(e.kind);
    j["uid"] = e.uid;
    j["member"] = e.member;
    j["reason"] = e.reason;
    j["at"] = e.at;
    return j.dump();
}

Result<GateEvent> decode_event(std::string_view payload) {
    return decode<GateEvent>(payload, "event", kMaxPayloadBytes,
                             [](ObjectReader& r, JsonErrors& errors) {
                                 GateEvent e;
                                 e.kind = read_kind(r, "event", kEventKindNames, EventKind::Denied);
                                 e.uid = read_uid(r, "uid", errors, true);
                                 e.member = read_text(r, "member", errors, kMaxTextFieldBytes);
                                 e.reason = read_text(r, "reason", errors, kMaxTextFieldBytes);
                                 e.at = r.integer("at", 0, kMaxMs, true).value_or(0);
                                 return e;
                             });
}

std::string fit_text_field(std::string text) {
    if (text.size() <= kMaxTextFieldBytes) return text;
    std::size_t cut = kMaxTextFieldBytes;
    // Back to the first byte of the character the limit falls in: never half a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    return text;
}

std::string encode(const Command& c) {
    json j = header("command");
    j["command"] = kCommandKindNames.table("end_session").name_of(c.kind);
    j["by"] = fit_text_field(c.by);
    j["reason"] = fit_text_field(c.reason);
    return j.dump();
}

Result<Command> decode_command(std::string_view payload) {
    return decode<Command>(
        payload, "command", kMaxPayloadBytes, [](ObjectReader& r, JsonErrors& errors) {
            Command c;
            c.kind = read_kind(r, "command", kCommandKindNames, CommandKind::Lock);
            c.by = read_text(r, "by", errors, kMaxTextFieldBytes);
            c.reason = read_text(r, "reason", errors, kMaxTextFieldBytes);
            return c;
        });
}

namespace {

json list_json(const AccessList& list) {
    json j = header("acl");
    j["site"] = list.site;
    j["machine"] = list.machine;
    j["version"] = list.version;
    j["generated_at"] = list.generated_at;
    if (list.valid_until) j["valid_until"] = *list.valid_until;
    // Only when locked, so an unlocked list serialises (and signs) as before this field existed.
    if (list.maintenance)
        j["maintenance"] = json{{"by", list.maintenance->by},
                                {"reason", list.maintenance->reason},
                                {"since", list.maintenance->since}};
    // Sorted by uid, so the same list always serialises (and signs) to the same bytes.
    std::vector<const std::pair<const Uid, AccessEntry>*> sorted;
    sorted.reserve(list.entries.size());
    for (const auto& kv : list.entries) sorted.push_back(&kv);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    json entries = json::array();
    for (const auto* kv : sorted) {
        const auto& e = kv->second;
        json item{{"uid", kv->first.hex()},
                  {"member", e.member},
                  {"status", e.suspended ? "suspended" : "active"},
                  {"role", to_string(e.role)}};
        if (!e.name.empty()) item["name"] = e.name;  // the ledger sends none
        put_optional(item, "member_until", e.member_until);
        put_optional(item, "right_until", e.right_until);
        entries.push_back(std::move(item));
    }
    j["entries"] = std::move(entries);
    return j;
}

}  // namespace

std::string signed_content(const AccessList& list) {
    return list_json(list).dump();
}

std::string encode(const AccessList& list, std::string_view signature, std::string_view key_id) {
    return join_access_list(signed_content(list), key_id, signature);
}

Result<AccessSnapshot> decode_access_list(std::string_view payload) {
    if (payload.size() > kMaxAccessListBytes)
        return fail("acl", "payload is " + std::to_string(payload.size()) + " bytes, larger than " +
                               std::to_string(kMaxAccessListBytes));
    TRY_ASSIGN(auto wire, split_access_list(payload));
    TRY_ASSIGN(auto list, parse_access_list_body(wire.body));
    return AccessSnapshot{std::move(list), std::move(wire.key_id), std::move(wire.signature)};
}

}  // namespace fabgate

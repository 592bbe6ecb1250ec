#include "core/acl_wire.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/acl_prescan.hpp"
#include "core/ids.hpp"
#include "core/signed_envelope.hpp"

namespace fabgate {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxMs = 253'402'300'799'000;  // 9999-12-31
constexpr std::string_view kEnvelopeType = "acl_signed";

// One scalar as the SAX parser reports it.
struct Scalar {
    enum class Kind { Null, Bool, Integer, TooLarge, Float, String } kind = Kind::Null;
    std::int64_t integer = 0;
    bool boolean = false;
    const std::string* text = nullptr;
};

// The access-list body's grammar as a state machine. Any token the format does not allow at
// that place ends the parse (return false), so hostile input costs at most what it took to
// reach the first wrong token; valid entries are stored as they complete.
class BodyParser {
  public:
    BodyParser(const AclParseLimits& limits) : limits_(limits) {}

    bool null() { return value({Scalar::Kind::Null}); }
    bool boolean(bool b) { return value({Scalar::Kind::Bool, 0, b}); }
    bool number_integer(std::int64_t n) { return value({Scalar::Kind::Integer, n}); }
    bool number_unsigned(std::uint64_t n) {
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return value({Scalar::Kind::TooLarge});
        return value({Scalar::Kind::Integer, static_cast<std::int64_t>(n)});
    }
    bool number_float(double, const std::string&) { return value({Scalar::Kind::Float}); }
    bool string(std::string& s) {
        if (s.size() > limits_.max_string_bytes)
            return error(where(), "is " + std::to_string(s.size()) + " bytes, longer than " +
                                      std::to_string(limits_.max_string_bytes));
        return value({Scalar::Kind::String, 0, false, &s});
    }
    bool binary(json::binary_t&) { return error(where(), "binary values are not JSON"); }
    bool start_object(std::size_t);
    bool key(std::string& k);
    bool end_object();
    bool start_array(std::size_t);
    bool end_array();
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
        if (!error_) error_ = Error{"acl", "not valid JSON at byte " + std::to_string(position)};
        return false;
    }

    Result<AccessList> finish();

  private:
    enum class Place { Start, Root, Maintenance, Entries, Entry, Done };

    bool value(const Scalar& v);
    bool root_value(const Scalar& v);
    bool maintenance_value(const Scalar& v);
    bool entry_value(const Scalar& v);
    bool error(const std::string& where, const std::string& what) {
        if (!error_) error_ = Error{"acl." + where, what};
        return false;
    }
    std::string where() const;
    std::string entry_path() const { return "entries[" + std::to_string(entry_count_) + "]"; }
    bool want_integer(const Scalar& v, std::int64_t min, std::int64_t max, std::int64_t& out);
    bool want_optional_ms(const Scalar& v, std::optional<UnixMs>& out);
    bool want_string(const Scalar& v, std::string& out);
    bool mark_seen(std::uint32_t bit);

    const AclParseLimits& limits_;
    std::optional<Error> error_;
    Place place_ = Place::Start;
    std::string key_;
    std::uint32_t seen_ = 0;       // keys of the object being read, one bit each
    std::uint32_t root_seen_ = 0;  // keys of the root object (kept across nested objects)
    std::size_t entry_count_ = 0;
    AccessList list_;
    MaintenanceLock lock_;
    std::optional<Uid> uid_;
    AccessEntry entry_;
};

// Bits for required-key and duplicate checks.
enum : std::uint32_t {
    kV = 1,
    kType = 2,
    kSite = 4,
    kMachine = 8,
    kVersion = 16,
    kGenerated = 32,
    kMaintenance = 64,
    kEntries = 128,
    kValidUntil = 256,
    kUid = 1,
    kMember = 2,
    kName = 4,
    kStatus = 8,
    kRole = 16,
    kMemberUntil = 32,
    kRightUntil = 64,
    kBy = 1,
    kReason = 2,
    kSince = 4,
};

std::string BodyParser::where() const {
    switch (place_) {
        case Place::Root:
            return key_;
        case Place::Maintenance:
            return "maintenance." + key_;
        case Place::Entries:
            return entry_path();
        case Place::Entry:
            return entry_path() + "." + key_;
        default:
            return "body";
    }
}

bool BodyParser::mark_seen(std::uint32_t bit) {
    if (seen_ & bit) return error(where(), "appears twice");
    seen_ |= bit;
    return true;
}

bool BodyParser::start_object(std::size_t) {
    switch (place_) {
        case Place::Start:
            place_ = Place::Root;
            seen_ = 0;
            return true;
        case Place::Root:
            if (key_ != "maintenance") break;
            if (!mark_seen(kMaintenance)) return false;
            root_seen_ = seen_;
            seen_ = 0;
            place_ = Place::Maintenance;
            return true;
        case Place::Entries:
            if (entry_count_ >= limits_.max_entries)
                return error("entries",
                             "has more than " + std::to_string(limits_.max_entries) + " badges");
            seen_ = 0;
            uid_.reset();
            entry_ = AccessEntry{};
            place_ = Place::Entry;
            return true;
        default:
            break;
    }
    return error(where(),
                 place_ == Place::Start ? "must be a JSON object" : "must not be an object");
}

bool BodyParser::key(std::string& k) {
    key_ = k;
    return true;
}

bool BodyParser::end_object() {
    if (place_ == Place::Maintenance) {
        if (!(seen_ & kBy)) return error("maintenance.by", "is required");
        if (!(seen_ & kSince)) return error("maintenance.since", "is required");
        list_.maintenance = std::move(lock_);
        seen_ = root_seen_;
        place_ = Place::Root;
        return true;
    }
    if (place_ == Place::Entry) {
        for (auto [bit, name] :
             {std::pair{kUid, "uid"}, {kMember, "member"}, {kStatus, "status"}, {kRole, "role"}})
            if (!(seen_ & bit)) return error(entry_path() + "." + name, "is required");
        auto uid = *uid_;
        if (!list_.entries.emplace(uid, std::move(entry_)).second)
            return error(entry_path() + ".uid", "badge " + uid.hex() + " appears twice");
        ++entry_count_;
        place_ = Place::Entries;
        return true;
    }
    // The root.
    for (auto [bit, name] : {std::pair{kV, "v"},
                             {kType, "type"},
                             {kSite, "site"},
                             {kMachine, "machine"},
                             {kVersion, "version"},
                             {kGenerated, "generated_at"},
                             {kEntries, "entries"}})
        if (!(seen_ & bit)) return error(name, "is required");
    place_ = Place::Done;
    return true;
}

bool BodyParser::start_array(std::size_t) {
    if (place_ == Place::Root && key_ == "entries") {
        if (!mark_seen(kEntries)) return false;
        root_seen_ = seen_;
        place_ = Place::Entries;
        return true;
    }
    return error(where(), place_ == Place::Start ? "must be a JSON object" : "must not be a list");
}

bool BodyParser::end_array() {
    place_ = Place::Root;  // only "entries" is ever an array
    seen_ = root_seen_;
    return true;
}

bool BodyParser::want_integer(const Scalar& v, std::int64_t min, std::int64_t max,
                              std::int64_t& out) {
    if (v.kind != Scalar::Kind::Integer || v.integer < min || v.integer > max)
        return error(where(), "must be an integer from " + std::to_string(min) + " to " +
                                  std::to_string(max));
    out = v.integer;
    return true;
}

bool BodyParser::want_optional_ms(const Scalar& v, std::optional<UnixMs>& out) {
    if (v.kind == Scalar::Kind::Null) return true;
    std::int64_t ms = 0;
    if (!want_integer(v, 0, kMaxMs, ms)) return false;
    out = ms;
    return true;
}

bool BodyParser::want_string(const Scalar& v, std::string& out) {
    if (v.kind != Scalar::Kind::String) return error(where(), "must be a string");
    out = *v.text;
    return true;
}

bool BodyParser::value(const Scalar& v) {
    switch (place_) {
        case Place::Root:
            return root_value(v);
        case Place::Maintenance:
            return maintenance_value(v);
        case Place::Entry:
            return entry_value(v);
        case Place::Entries:
            return error(entry_path(), "must be an object");
        default:
            return error("body", "must be a JSON object");
    }
}

bool BodyParser::root_value(const Scalar& v) {
    std::int64_t n = 0;
    if (key_ == "v") {
        if (!mark_seen(kV) || !want_integer(v, 0, INT32_MAX, n)) return false;
        if (n != 1) return error("v", "schema version " + std::to_string(n) + " is not supported");
        return true;
    }
    if (key_ == "type") {
        std::string type;
        if (!mark_seen(kType) || !want_string(v, type)) return false;
        return type == "acl" || error("type", "payload has type '" + type + "'");
    }
    if (key_ == "site" || key_ == "machine") {
        auto& out = key_ == "site" ? list_.site : list_.machine;
        if (!mark_seen(key_ == "site" ? kSite : kMachine) || !want_string(v, out)) return false;
        return is_valid_id(out) || error(key_, "use letters, digits, '-' and '_' only");
    }
    if (key_ == "version")
        return mark_seen(kVersion) &&
               want_integer(v, 1, std::numeric_limits<std::int64_t>::max(), list_.version);
    if (key_ == "generated_at")
        return mark_seen(kGenerated) && want_integer(v, 0, kMaxMs, list_.generated_at);
    if (key_ == "valid_until") {
        std::optional<UnixMs> until;
        if (!mark_seen(kValidUntil) || !want_optional_ms(v, until)) return false;
        list_.valid_until = until;
        return true;
    }
    if (key_ == "maintenance") {
        if (v.kind != Scalar::Kind::Null) return error(key_, "must be an object or null");
        return mark_seen(kMaintenance);
    }
    return error(key_, "is not a known key");
}

bool BodyParser::maintenance_value(const Scalar& v) {
    if (key_ == "by") return mark_seen(kBy) && want_string(v, lock_.by);
    if (key_ == "reason") return mark_seen(kReason) && want_string(v, lock_.reason);
    if (key_ == "since") return mark_seen(kSince) && want_integer(v, 0, kMaxMs, lock_.since);
    return error(where(), "is not a known key");
}

bool BodyParser::entry_value(const Scalar& v) {
    std::string text;
    if (key_ == "uid") {
        if (!mark_seen(kUid) || !want_string(v, text)) return false;
        auto uid = Uid::parse(text);
        if (!uid) return error(where(), uid.error().what);
        uid_ = *uid;
        return true;
    }
    if (key_ == "member") return mark_seen(kMember) && want_string(v, entry_.member);
    if (key_ == "name") return mark_seen(kName) && want_string(v, entry_.name);
    if (key_ == "status") {
        if (!mark_seen(kStatus) || !want_string(v, text)) return false;
        if (text != "active" && text != "suspended")
            return error(where(), "is '" + text + "', must be active or suspended");
        entry_.suspended = text == "suspended";
        return true;
    }
    if (key_ == "role") {
        if (!mark_seen(kRole) || !want_string(v, text)) return false;
        auto role = role_from_string(text);
        if (!role)
            return error(where(),
                         "is '" + text + "', must be none, user, supervisor or maintainer");
        entry_.role = *role;
        return true;
    }
    if (key_ == "member_until")
        return mark_seen(kMemberUntil) && want_optional_ms(v, entry_.member_until);
    if (key_ == "right_until")
        return mark_seen(kRightUntil) && want_optional_ms(v, entry_.right_until);
    return error(where(), "is not a known key");
}

Result<AccessList> BodyParser::finish() {
    if (error_) return tl::unexpected(*error_);
    if (place_ != Place::Done) return fail("acl", "the list ends early");
    return std::move(list_);
}

}  // namespace

Result<AclWire> split_access_list(std::string_view payload) {
    TRY_ASSIGN(auto wire, split_signed(payload, kEnvelopeType));
    return AclWire{std::move(wire.key_id), std::move(wire.signature), wire.body};
}

std::string join_access_list(std::string_view body, std::string_view key_id,
                             std::string_view signature) {
    return join_signed(body, kEnvelopeType, key_id, signature);
}

Result<AccessList> parse_access_list_body(std::string_view body, const AclParseLimits& limits) {
    TRY(prescan_access_list_body(body, limits));
    BodyParser parser(limits);
    (void)json::sax_parse(body.begin(), body.end(), &parser);
    return parser.finish();
}

}  // namespace fabgate

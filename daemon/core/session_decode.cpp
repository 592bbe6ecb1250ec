// The session decoder's fast path: a session in the shape gates send it (one flat object, known
// keys once each, plain ASCII strings without escapes, whole non-negative numbers) is read in one
// pass, with no JSON document built. Anything else, valid or not, is left to the full reader:
// this path accepts only what that one accepts, with the same result, so every refusal keeps
// its message. Building nlohmann's document was half of fabledger's CPU per session.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/ids.hpp"
#include "core/messages.hpp"
#include "core/uid.hpp"

namespace fabgate::detail {
namespace {

struct PlainValue {
    enum class Kind { String, Integer, True, False, Null } kind = Kind::Null;
    std::string_view text;
    std::int64_t number = 0;
};

constexpr std::array<std::string_view, 15> kSessionKeys{
    "v",         "type",       "id",         "site",     "machine",      "uid",
    "member",    "role",       "started_at", "ended_at", "clock_synced", "powered_ms",
    "active_ms", "end_reason", "ended_by"};

// A cursor over the payload. Every read returns false for what the plain shape leaves out.
class PlainScanner {
  public:
    explicit PlainScanner(std::string_view text) : text_(text) {}

    bool next_is(char c) {
        skip_space();
        return pos_ < text_.size() && text_[pos_] == c;
    }
    bool consume(char c) {
        if (!next_is(c)) return false;
        ++pos_;
        return true;
    }
    bool at_end() {
        skip_space();
        return pos_ == text_.size();
    }
    bool string(std::string_view& out) {
        if (!consume('"')) return false;
        auto start = pos_;
        for (; pos_ < text_.size(); ++pos_) {
            auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                out = text_.substr(start, pos_++ - start);
                return true;
            }
            // Escapes, control characters and UTF-8 (which the full reader validates).
            if (c == '\\' || c < 0x20 || c >= 0x80) return false;
        }
        return false;
    }
    bool value(PlainValue& out) {
        skip_space();
        if (pos_ >= text_.size()) return false;
        char c = text_[pos_];
        if (c == '"') {
            out.kind = PlainValue::Kind::String;
            return string(out.text);
        }
        if (c >= '0' && c <= '9') return integer(out);
        for (auto [word, kind] : {std::pair{std::string_view("true"), PlainValue::Kind::True},
                                  std::pair{std::string_view("false"), PlainValue::Kind::False},
                                  std::pair{std::string_view("null"), PlainValue::Kind::Null}}) {
            if (text_.substr(pos_, word.size()) == word) {
                pos_ += word.size();
                out.kind = kind;
                return true;
            }
        }
        return false;  // negative numbers, arrays, objects
    }

  private:
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\r' || text_[pos_] == '\t'))
            ++pos_;
    }
    // At most 18 digits (no overflow), no leading zero, no fraction or exponent.
    bool integer(PlainValue& out) {
        auto start = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
        auto digits = pos_ - start;
        // Counted before the value is built: a 19th digit could overflow std::int64_t.
        if (digits > 18 || (digits > 1 && text_[start] == '0')) return false;
        std::int64_t n = 0;
        for (auto i = start; i < pos_; ++i) n = n * 10 + (text_[i] - '0');
        if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E'))
            return false;
        out.kind = PlainValue::Kind::Integer;
        out.number = n;
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

// Each known key's value, in kSessionKeys order; nullopt for a duplicate or unknown key.
using PlainFields = std::array<std::optional<PlainValue>, kSessionKeys.size()>;

std::optional<PlainFields> scan_flat_object(std::string_view payload) {
    PlainScanner scan(payload);
    PlainFields fields;
    if (!scan.consume('{') || scan.next_is('}')) return std::nullopt;
    do {
        std::string_view key;
        PlainValue value;
        if (!scan.string(key) || !scan.consume(':') || !scan.value(value)) return std::nullopt;
        std::size_t n = 0;
        while (n < kSessionKeys.size() && kSessionKeys[n] != key) ++n;
        if (n == kSessionKeys.size() || fields[n]) return std::nullopt;
        fields[n] = value;
    } while (scan.consume(','));
    if (!scan.consume('}') || !scan.at_end()) return std::nullopt;
    return fields;
}

enum Field : std::size_t {
    kV,
    kType,
    kId,
    kSite,
    kMachine,
    kUid,
    kMember,
    kRole,
    kStartedAt,
    kEndedAt,
    kClockSynced,
    kPoweredMs,
    kActiveMs,
    kEndReason,
    kEndedBy
};

bool is(const std::optional<PlainValue>& v, PlainValue::Kind kind) {
    return v && v->kind == kind;
}

// A string the full reader takes as it is; absent or null reads as empty there too.
std::optional<std::string_view> text(const PlainFields& f, Field key, std::size_t max_bytes,
                                     bool required) {
    if (!f[key] || f[key]->kind == PlainValue::Kind::Null)
        return required ? std::nullopt : std::optional<std::string_view>("");
    if (f[key]->kind != PlainValue::Kind::String || f[key]->text.size() > max_bytes)
        return std::nullopt;
    return f[key]->text;
}

std::optional<std::int64_t> whole(const PlainFields& f, Field key, std::int64_t max) {
    if (!is(f[key], PlainValue::Kind::Integer) || f[key]->number > max) return std::nullopt;
    return f[key]->number;
}

// The checks of decode_session's reader, in the same terms; nullopt where it would refuse.
std::optional<SessionRecord> plain_record(const PlainFields& f) {
    auto type = text(f, kType, kMaxPayloadBytes, true);
    auto v = whole(f, kV, INT32_MAX);
    if (!v || *v != kProtocolVersion || !type || *type != "session") return std::nullopt;
    auto id = text(f, kId, kMaxSessionIdBytes, true);
    auto site = text(f, kSite, kMaxPayloadBytes, true);
    auto machine = text(f, kMachine, kMaxPayloadBytes, true);
    auto uid = text(f, kUid, kMaxPayloadBytes, true);
    auto member = text(f, kMember, kMaxTextFieldBytes, false);
    auto ended_by = text(f, kEndedBy, kMaxTextFieldBytes, false);
    auto role = role_from_string(text(f, kRole, kMaxPayloadBytes, true).value_or(""));
    auto end_reason =
        end_reason_from_string(text(f, kEndReason, kMaxPayloadBytes, true).value_or(""));
    if (!id || id->empty() || !site || !machine || !uid || !member || !ended_by || !role ||
        *role == Role::None || !end_reason)
        return std::nullopt;
    if ((!site->empty() && !is_valid_id(*site)) || (!machine->empty() && !is_valid_id(*machine)))
        return std::nullopt;
    SessionRecord s;
    if (!uid->empty()) {
        auto parsed = Uid::parse(*uid);
        if (!parsed) return std::nullopt;
        s.uid = parsed->hex();
    }
    auto started = whole(f, kStartedAt, kMaxTimestampMs);
    auto ended = whole(f, kEndedAt, kMaxTimestampMs);
    auto powered = whole(f, kPoweredMs, kMaxSessionDurationMs);
    bool synced = is(f[kClockSynced], PlainValue::Kind::True);
    if (!started || !ended || *ended < *started || !powered ||
        !(synced || is(f[kClockSynced], PlainValue::Kind::False)))
        return std::nullopt;
    if (f[kActiveMs] && f[kActiveMs]->kind != PlainValue::Kind::Null) {
        s.active_ms = whole(f, kActiveMs, kMaxSessionDurationMs);
        if (!s.active_ms || *s.active_ms > *powered) return std::nullopt;
    }
    s.id = *id;
    s.site = *site;
    s.machine = *machine;
    s.member = *member;
    s.role = *role;
    s.started_at = *started;
    s.ended_at = *ended;
    s.clock_synced = synced;
    s.powered_ms = *powered;
    s.end_reason = *end_reason;
    s.ended_by = *ended_by;
    return s;
}

}  // namespace

std::optional<SessionRecord> decode_plain_session(std::string_view payload) {
    if (payload.size() > kMaxPayloadBytes) return std::nullopt;
    auto fields = scan_flat_object(payload);
    if (!fields) return std::nullopt;
    return plain_record(*fields);
}

}  // namespace fabgate::detail

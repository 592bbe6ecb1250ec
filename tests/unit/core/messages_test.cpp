#include "core/messages.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "message_samples.hpp"
#include "sample_session.hpp"

using namespace fabgate;
using nlohmann::json;
using namespace fabgate::test;

namespace {

// One field set to a value its message must refuse, and the field the error must name.
struct BadField {
    std::string field;
    json value;
};

// The refusal names the field on a line of its own ("field: what"), so an operator reading
// the log knows what to fix.
bool has_line(const Error& error, const std::string& prefix) {
    const std::string& what = error.what;
    for (std::size_t start = 0; start <= what.size();) {
        auto end = what.find('\n', start);
        if (end == std::string::npos) end = what.size();
        if (what.compare(start, prefix.size(), prefix) == 0) return true;
        start = end + 1;
    }
    return false;
}

bool names_field(const Error& error, const std::string& field) {
    return has_line(error, field + ": ");
}

void check_refused(const Decoder& decode, const json& valid, const BadField& bad) {
    json payload = valid;
    payload[bad.field] = bad.value;
    CAPTURE(payload.dump());
    auto result = decode(payload.dump());
    REQUIRE_FALSE(result.has_value());
    CAPTURE(result.error().message());
    CHECK(names_field(result.error(), bad.field));
}

void check_required(const Decoder& decode, const json& valid, const std::string& field) {
    json payload = valid;
    payload.erase(field);
    CAPTURE(payload.dump());
    auto result = decode(payload.dump());
    REQUIRE_FALSE(result.has_value());
    CHECK(has_line(result.error(), field + ": is required"));
}

// What every message shares: a schema version, its type, no unknown keys.
void check_envelope(const Decoder& decode, const json& valid, const std::string& type) {
    REQUIRE(decode(valid.dump()).has_value());
    for (const auto& bad : std::vector<BadField>{{"v", 2}, {"v", "1"}, {"type", "other"}}) {
        json payload = valid;
        payload[bad.field] = bad.value;
        CAPTURE(payload.dump());
        CHECK_FALSE(decode(payload.dump()).has_value());
    }
    json unknown = valid;
    unknown["colour"] = "red";
    auto result = decode(unknown.dump());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().where == type);
    CHECK(names_field(result.error(), "colour"));
    CHECK_FALSE(decode("[1, 2]").has_value());
    CHECK_FALSE(decode("{\"v\": 1,").has_value());
    CHECK_FALSE(decode(std::string(kMaxPayloadBytes + 1, ' ')).has_value());
}

}  // namespace

// The samples message_samples.hpp declares: this file checks that each is valid.
namespace fabgate::test {

json valid_session() {
    SessionRecord s = sample_session();
    s.end_reason = EndReason::Takeover;
    s.ended_by = "04A1B2C4";
    return json::parse(encode(s));
}

}  // namespace fabgate::test

TEST_CASE("a session decodes to the record that was encoded") {
    auto decoded = decode_session(valid_session().dump());
    REQUIRE(decoded.has_value());
    CHECK(decoded->id == "0190f1a2-7b3c-7d4e-8f50-0123456789ab");
    CHECK(decoded->uid == "04A1B2C3");
    CHECK(decoded->role == Role::Supervisor);
    CHECK(decoded->powered_ms == 3'600'000);
    CHECK(decoded->active_ms == 1'800'000);
    CHECK(decoded->end_reason == EndReason::Takeover);
    CHECK(decoded->ended_by == "04A1B2C4");
}

TEST_CASE("a session with a bad field is refused, naming the field") {
    auto decode = decoder(&decode_session);
    check_envelope(decode, valid_session(), "session");
    for (const auto& bad : std::vector<BadField>{
             {"id", ""},
             {"id", std::string(65, 'a')},
             {"id", 17},
             {"site", "lab/1"},
             {"site", 3},
             {"machine", "laser 1"},
             {"uid", "not hex"},
             {"uid", 4},
             {"member", false},
             {"role", "admin"},
             {"role", 1},
             {"started_at", -1},
             {"started_at", "yesterday"},
             {"ended_at", 253'402'300'800'000},
             {"ended_at", 1'767'225'599'999},  // before started_at
             {"clock_synced", "yes"},
             {"powered_ms", -5},
             {"powered_ms", 366LL * 24 * 3600 * 1000 + 1},
             {"active_ms", 3'600'001},  // more than powered_ms
             {"active_ms", 1.5},
             {"end_reason", "bored"},
             {"end_reason", 0},
             {"ended_by", 12},
         }) {
        CAPTURE(bad.field);
        check_refused(decode, valid_session(), bad);
    }
    for (const char* field : {"id", "site", "machine", "uid", "role", "started_at", "ended_at",
                              "clock_synced", "powered_ms", "end_reason"}) {
        CAPTURE(field);
        check_required(decode, valid_session(), field);
    }
}

TEST_CASE("a session without a busy input carries no active time") {
    json payload = valid_session();
    payload["active_ms"] = nullptr;
    auto decoded = decode_session(payload.dump());
    REQUIRE(decoded.has_value());
    CHECK_FALSE(decoded->active_ms.has_value());
}

namespace fabgate::test {

json valid_event() {
    GateEvent e;
    e.kind = EventKind::Denied;
    e.uid = "04A1B2C3";
    e.member = "m-17";
    e.reason = "no_right";
    e.at = 1'767'225'600'000;
    return json::parse(encode(e));
}

json valid_state() {
    MachineStatus s;
    s.state = MachineState::InUse;
    s.since = 1'767'225'600'000;
    s.member = "m-17";
    s.name = "Alice";
    s.session = "0190f1a2-7b3c-7d4e-8f50-0123456789ab";
    s.detail = "";
    s.acl_version = 7;
    s.locked = true;
    return json::parse(encode(s));
}

json valid_command() {
    Command c;
    c.kind = CommandKind::EndSession;
    c.by = "maria";
    c.reason = "closing time";
    return json::parse(encode(c));
}

}  // namespace fabgate::test

TEST_CASE("an event with a bad field is refused, naming the field") {
    auto decoded = decode_event(valid_event().dump());
    REQUIRE(decoded.has_value());
    CHECK(decoded->kind == EventKind::Denied);
    CHECK(decoded->reason == "no_right");
    CHECK(decoded->at == 1'767'225'600'000);

    auto decode = decoder(&decode_event);
    check_envelope(decode, valid_event(), "event");
    for (const auto& bad : std::vector<BadField>{
             {"event", "exploded"},
             {"event", 1},
             {"uid", "zz"},
             {"uid", true},
             {"member", 5},
             {"reason", json::array()},
             {"at", -1},
             {"at", "now"},
         }) {
        CAPTURE(bad.field);
        check_refused(decode, valid_event(), bad);
    }
    for (const char* field : {"event", "uid", "at"}) {
        CAPTURE(field);
        check_required(decode, valid_event(), field);
    }
}

TEST_CASE("a state with a bad field is refused, naming the field") {
    auto decoded = decode_status(valid_state().dump());
    REQUIRE(decoded.has_value());
    CHECK(decoded->state == MachineState::InUse);
    CHECK(decoded->name == "Alice");
    CHECK(decoded->acl_version == 7);
    CHECK(decoded->locked);

    auto decode = decoder(&decode_status);
    check_envelope(decode, valid_state(), "state");
    for (const auto& bad : std::vector<BadField>{
             {"state", "sleeping"},
             {"state", 2},
             {"since", -1},
             {"since", "today"},
             {"member", 1},
             {"name", false},
             {"session", 3},
             {"detail", json::object()},
             {"acl_version", -1},
             {"acl_version", "7"},
             {"locked", "no"},
         }) {
        CAPTURE(bad.field);
        check_refused(decode, valid_state(), bad);
    }
    check_required(decode, valid_state(), "state");
}

TEST_CASE("a command with a bad field is refused, naming the field") {
    auto decoded = decode_command(valid_command().dump());
    REQUIRE(decoded.has_value());
    CHECK(decoded->kind == CommandKind::EndSession);
    CHECK(decoded->by == "maria");
    CHECK(decoded->reason == "closing time");

    auto decode = decoder(&decode_command);
    check_envelope(decode, valid_command(), "command");
    for (const auto& bad : std::vector<BadField>{
             {"command", "explode"},
             {"command", 1},
             {"by", 7},
             {"reason", true},
         }) {
        CAPTURE(bad.field);
        check_refused(decode, valid_command(), bad);
    }
    check_required(decode, valid_command(), "command");
}

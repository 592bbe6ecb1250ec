// Every string a gate or the ledger decodes from the network has a documented bound
// (docs/protocol.md): a longer one refuses the message with an error naming the field, so what
// is stored or logged per message stays small whatever the 64 KiB payload limit allows.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/messages.hpp"

using namespace fabgate;
using nlohmann::json;

namespace {

json session() {
    SessionRecord s;
    s.id = "0190f1a2-7b3c-7d4e-8f50-0123456789ab";
    s.site = "lab";
    s.machine = "laser-1";
    s.uid = "04A1B2C3";
    s.member = "m-17";
    s.started_at = 1'767'225'600'000;
    s.ended_at = 1'767'229'200'000;
    s.powered_ms = 3'600'000;
    s.end_reason = EndReason::Remote;
    s.ended_by = "maria";
    return json::parse(encode(s));
}

json state() {
    MachineStatus s;
    s.state = MachineState::Maintenance;
    s.member = "m-17";
    s.name = "Alice";
    s.session = "0190f1a2-7b3c-7d4e-8f50-0123456789ab";
    s.detail = "locked by maria: new tube";
    return json::parse(encode(s));
}

json event() {
    GateEvent e;
    e.uid = "04A1B2C3";
    e.member = "m-17";
    e.reason = "not_trained";
    return json::parse(encode(e));
}

json command() {
    Command c;
    c.by = "maria";
    c.reason = "new tube";
    return json::parse(encode(c));
}

// `field` at its bound is taken; one byte more refuses the message, naming the field and the
// bound on a line of its own, without echoing the value.
template <class Decode>
void check_bound(Decode decode, json valid, const std::string& field, std::size_t bound) {
    CAPTURE(field);
    valid[field] = std::string(bound, 'x');
    CHECK(decode(valid.dump()).has_value());
    valid[field] = std::string(bound + 1, 'x');
    auto refused = decode(valid.dump());
    REQUIRE_FALSE(refused.has_value());
    const auto& what = refused.error().what;
    CAPTURE(what);
    CHECK(what.find(field + ": is " + std::to_string(bound + 1) + " bytes, longer than the " +
                    std::to_string(bound) + " allowed") != std::string::npos);
    CHECK(what.size() < 200);
}

}  // namespace

TEST_CASE("a session's member and ended_by are bounded") {
    check_bound(decode_session, session(), "member", kMaxTextFieldBytes);
    check_bound(decode_session, session(), "ended_by", kMaxTextFieldBytes);
}

TEST_CASE("every string of a state message is bounded") {
    check_bound(decode_status, state(), "member", kMaxTextFieldBytes);
    check_bound(decode_status, state(), "name", kMaxTextFieldBytes);
    check_bound(decode_status, state(), "session", kMaxSessionIdBytes);
    check_bound(decode_status, state(), "detail", kMaxDetailBytes);
}

TEST_CASE("events and commands bound their strings too") {
    check_bound(decode_event, event(), "member", kMaxTextFieldBytes);
    check_bound(decode_event, event(), "reason", kMaxTextFieldBytes);
    check_bound(decode_command, command(), "by", kMaxTextFieldBytes);
    check_bound(decode_command, command(), "reason", kMaxTextFieldBytes);
}

TEST_CASE("a gate's longest lock detail fits the state's bound") {
    // What the gate publishes while locked: "locked by <by>: <reason>", both at their bound.
    std::string detail = "locked by " + std::string(kMaxTextFieldBytes, 'b') + ": " +
                         std::string(kMaxTextFieldBytes, 'r');
    json s = state();
    s["detail"] = detail;
    CHECK(decode_status(s.dump()).has_value());
}

TEST_CASE("a refused enum value is not echoed when it is long") {
    json s = session();
    s["end_reason"] = std::string(60'000, 'z');
    auto refused = decode_session(s.dump());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().what.size() < 200);
}

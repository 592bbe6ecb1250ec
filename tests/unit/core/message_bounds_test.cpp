// Every string a gate or the ledger decodes from the network has a documented bound
// (docs/protocol.md): a longer one refuses the message with an error naming the field, so what
// is stored or logged per message stays small whatever the 64 KiB payload limit allows.
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/messages.hpp"
#include "message_samples.hpp"

using namespace fabgate;
using nlohmann::json;

namespace {

// A string field of a message kind, its documented bound, and a valid message to set it in.
struct Bound {
    std::string_view message;
    std::string field;
    std::size_t limit;
    json (*valid)();
    test::Decoder decode;
};

const std::vector<Bound>& bounds() {
    static const auto session = test::decoder(&decode_session);
    static const auto status = test::decoder(&decode_status);
    static const auto event = test::decoder(&decode_event);
    static const auto command = test::decoder(&decode_command);
    static const std::vector<Bound> table{
        {"session", "member", kMaxTextFieldBytes, test::valid_session, session},
        {"session", "ended_by", kMaxTextFieldBytes, test::valid_session, session},
        {"state", "member", kMaxTextFieldBytes, test::valid_state, status},
        {"state", "name", kMaxTextFieldBytes, test::valid_state, status},
        {"state", "session", kMaxSessionIdBytes, test::valid_state, status},
        {"state", "detail", kMaxDetailBytes, test::valid_state, status},
        {"event", "member", kMaxTextFieldBytes, test::valid_event, event},
        {"event", "reason", kMaxTextFieldBytes, test::valid_event, event},
        {"command", "by", kMaxTextFieldBytes, test::valid_command, command},
        {"command", "reason", kMaxTextFieldBytes, test::valid_command, command},
    };
    return table;
}

// Each bounded field of `message` at its bound is taken; one byte more refuses the message,
// naming the field and the bound on a line of its own, without echoing the value.
void check_bounds_of(std::string_view message) {
    for (const auto& bound : bounds()) {
        if (bound.message != message) continue;
        CAPTURE(bound.field);
        json payload = bound.valid();
        payload[bound.field] = std::string(bound.limit, 'x');
        CHECK(bound.decode(payload.dump()).has_value());
        payload[bound.field] = std::string(bound.limit + 1, 'x');
        auto refused = bound.decode(payload.dump());
        REQUIRE_FALSE(refused.has_value());
        const auto& what = refused.error().what;
        CAPTURE(what);
        CHECK(what.find(bound.field + ": is " + std::to_string(bound.limit + 1) +
                        " bytes, longer than the " + std::to_string(bound.limit) + " allowed") !=
              std::string::npos);
        CHECK(what.size() < 200);
    }
}

}  // namespace

TEST_CASE("a session's member and ended_by are bounded") {
    check_bounds_of("session");
}

TEST_CASE("every string of a state message is bounded") {
    check_bounds_of("state");
}

TEST_CASE("events and commands bound their strings too") {
    check_bounds_of("event");
    check_bounds_of("command");
}

TEST_CASE("a gate's longest lock detail fits the state's bound") {
    // What the gate publishes while locked: "locked by <by>: <reason>", both at their bound.
    std::string detail = "locked by " + std::string(kMaxTextFieldBytes, 'b') + ": " +
                         std::string(kMaxTextFieldBytes, 'r');
    json s = test::valid_state();
    s["detail"] = detail;
    CHECK(decode_status(s.dump()).has_value());
}

TEST_CASE("a refused enum value is not echoed when it is long") {
    json s = test::valid_session();
    s["end_reason"] = std::string(60'000, 'z');
    auto refused = decode_session(s.dump());
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().what.size() < 200);
}

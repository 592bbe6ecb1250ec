// An ack deletes sessions from a gate's outbox, so what one ack may name is bounded: a gate
// refuses an ack with more ids than kMaxAckIds, saying which field and what the bound is.
#include "core/ack_wire.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/messages.hpp"

using namespace fabgate;

namespace {

SignedAck ack_naming(std::size_t count) {
    SignedAck ack{"lab", "laser-1", 1'767'225'600'000, {}};
    // The longest ids there are: the bound must hold with them too.
    for (std::size_t n = 0; n < count; ++n) {
        auto number = std::to_string(n);
        ack.ids.push_back(std::string(kMaxSessionIdBytes - number.size(), 'a') + number);
    }
    return ack;
}

}  // namespace

TEST_CASE("an ack naming the most ids allowed is taken, one more id refuses it") {
    auto most = ack_naming(kMaxAckIds);
    auto body = encode_ack_body(most);
    CHECK(body.size() <= kMaxPayloadBytes);
    auto taken = decode_ack_body(body);
    REQUIRE_MESSAGE(taken, taken.error().message());
    CHECK(taken->ids == most.ids);

    auto refused = decode_ack_body(encode_ack_body(ack_naming(kMaxAckIds + 1)));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message() == "ack: ids: holds 501 ids, more than the 500 allowed");
}

// Gates of every release read acks: the body the ledger writes keeps the bytes nlohmann's
// dump() gave it, escaping included, and a gate reads the ids back as they were stored.
TEST_CASE("an ack body is the compact JSON gates have always read, whatever the ids hold") {
    SignedAck ack{"lab", "laser-1", 1'767'225'600'000, {}};
    ack.ids = {"0191b7a0-7c2e-7000-8000-000000000001",
               "quote\" backslash\\ slash/",
               std::string("nul\0tab\tnewline\nreturn\rbell\x07"
                           "esc\x1b\x1f\b\f",
                           35),
               "del\x7f",
               "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa7",
               ""};
    nlohmann::json as_before{{"v", kProtocolVersion},  {"type", "ack"}, {"site", ack.site},
                             {"machine", ack.machine}, {"at", ack.at},  {"ids", ack.ids}};
    const std::string body = encode_ack_body(ack);
    CHECK(body == as_before.dump());

    ack.ids.pop_back();  // a gate refuses an empty id; the bytes above cover it all the same
    auto read = decode_ack_body(encode_ack_body(ack));
    REQUIRE_MESSAGE(read, read.error().message());
    CHECK(read->ids == ack.ids);
    CHECK(read->site == "lab");
    CHECK(read->machine == "laser-1");
    CHECK(read->at == ack.at);
}

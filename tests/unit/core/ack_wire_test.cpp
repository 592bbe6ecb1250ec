// An ack deletes sessions from a gate's outbox, so what one ack may name is bounded: a gate
// refuses an ack with more ids than kMaxAckIds, saying which field and what the bound is.
#include "core/ack_wire.hpp"

#include <doctest/doctest.h>

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

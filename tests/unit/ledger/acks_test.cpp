// The ledger acknowledges a batch with as many acks as a gate can take: a gate refuses one past
// the protocol's limits, and then deletes nothing and resends the sessions for ever.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/ack_wire.hpp"
#include "core/signed_envelope.hpp"
#include "ledger/acks.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

// What the ledger publishes for `ack`, with a signature of the real one's length.
std::string signed_payload(const SignedAck& ack) {
    return join_signed(encode_ack_body(ack), kAckEnvelopeType, std::string(16, 'a'),
                       std::string(128, 'b'));
}

// Every ack decodes as a gate reads it, for the right gate, and together they name `ids` in
// order.
void check_gate_takes(const std::vector<SignedAck>& acks, const std::vector<std::string>& ids) {
    std::vector<std::string> named;
    for (const auto& ack : acks) {
        auto payload = signed_payload(ack);
        CHECK(payload.size() <= kMaxPayloadBytes);
        auto back = decode_ack_payload(payload);
        REQUIRE_MESSAGE(back, back.error().message());
        CHECK(back->site == "lab");
        CHECK(back->machine == "laser-1");
        named.insert(named.end(), back->ids.begin(), back->ids.end());
    }
    CHECK(named == ids);
}

}  // namespace

TEST_CASE("acks are split so that every payload stays under the protocol's byte limit") {
    std::vector<std::string> ids;
    for (int n = 0; n < 3000; ++n) ids.push_back(std::string(60, 'a') + std::to_string(1000 + n));
    ids.push_back(std::string(64, '"'));  // escapes to six times its length
    auto acks = make_acks("lab", "laser-1", kT0, ids);
    CHECK(acks.size() > 1);
    check_gate_takes(acks, ids);
    CHECK(make_acks("lab", "laser-1", kT0, {}).empty());
}

TEST_CASE("a batch of many short ids is split so that no ack names more ids than a gate takes") {
    std::vector<std::string> ids;
    for (std::size_t n = 0; n < 2 * kMaxAckIds + 1; ++n) ids.push_back("s-" + std::to_string(n));
    auto acks = make_acks("lab", "laser-1", kT0, ids);
    REQUIRE(acks.size() == 3);
    CHECK(acks[0].ids.size() == kMaxAckIds);
    CHECK(acks[1].ids.size() == kMaxAckIds);
    CHECK(acks[2].ids.size() == 1);
    check_gate_takes(acks, ids);
}

// A gate that vanishes (power cut, network cable) cannot say so itself: the broker publishes its
// last will, a retained `offline` state, which is what managers and the console see until the
// gate is back. MQTT 3.1.1 drops a will the ACL forbids without a word, so it is checked here
// through the production broker, with the gate's own login.
#include <doctest/doctest.h>

#include "secure_fixtures.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

bool offline(const Heard& heard) {
    auto status = decode_status(heard.payload);
    return status && status->state == MachineState::Offline;
}

}  // namespace

TEST_CASE("production broker: a gate that dies is shown offline, retained, by its last will") {
    SecureBroker broker;
    SignedGate gate(broker);
    const auto state_topic = topic("laser-1", "state");
    SecureClient manager(broker.port(), manager_login(broker), "manager");
    manager.subscribe(state_topic);
    REQUIRE(manager.connect());
    REQUIRE_MESSAGE(manager.wait([&] {
        auto heard = manager.on(state_topic);
        return !heard.empty() && !offline(heard.back());
    }),
                    gate.log() << broker.log());

    gate.crash();
    REQUIRE_MESSAGE(manager.wait([&] {
        auto heard = manager.on(state_topic);
        return !heard.empty() && offline(heard.back());
    }),
                    broker.log());
    auto last = decode_status(manager.on(state_topic).back().payload);
    REQUIRE(last);
    std::string detail = last->detail;
    CHECK(detail == "gate disconnected");

    // A console or fabctl that looks later is told the same by the broker's retained copy.
    SecureClient late(broker.port(), manager_login(broker), "late-manager");
    late.subscribe(state_topic);
    REQUIRE(late.connect());
    REQUIRE(late.wait([&] { return !late.on(state_topic).empty(); }));
    auto retained = late.on(state_topic).front();
    CHECK(retained.retained);
    CHECK(offline(retained));
}

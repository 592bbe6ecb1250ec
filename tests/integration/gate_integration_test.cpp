// The gate as a process, against a real Mosquitto: what reaches the ledger, what survives a
// broker outage or a kill -9, and what bad payloads cannot do.
#include <signal.h>

#include <doctest/doctest.h>

#include "gate_harness.hpp"

#include "core/ack_wire.hpp"
#include "core/signed_envelope.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

bool acl_in_force(FakeLedger& ledger, std::int64_t version) {
    return ledger.wait([&] {
        auto st = ledger.last_state();
        return st && st->acl_version == version;
    });
}

bool state_is(FakeLedger& ledger, MachineState state) {
    return ledger.wait([&] {
        auto st = ledger.last_state();
        return st && st->state == state;
    });
}

}  // namespace

TEST_CASE("a session travels gate -> broker -> ledger, and the ack empties the outbox") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port(), /*auto_ack=*/false);
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(1, {{"04A1B2C3", "alice"}});
    REQUIRE(acl_in_force(ledger, 1));

    CHECK(gate.send("badge 04:a1:b2:c3").find("relay=on") != std::string::npos);
    CHECK(gate.send("busy on").find("relay=on") != std::string::npos);
    CHECK(gate.send("busy off").find("relay=on") != std::string::npos);
    CHECK(gate.send("badge 04A1B2C3").find("relay=off") != std::string::npos);
    REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 1; }));
    const auto& s = ledger.sessions[0];
    CHECK(s.uid == "04A1B2C3");
    CHECK(s.member == "alice");
    CHECK(s.end_reason == EndReason::BadgeOut);
    CHECK(s.active_ms.has_value());
    CHECK(gate.outbox() == 1);  // not acknowledged yet: kept

    ledger.ack({s.id});
    CHECK(ledger.wait([&] { return gate.outbox() == 0; }));
}

TEST_CASE("a forged ack deletes nothing: the session stays until the ledger's signed ack") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port(), /*auto_ack=*/false);
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(1, {{"04A1B2C3", "alice"}});
    REQUIRE(acl_in_force(ledger, 1));
    gate.send("badge 04A1B2C3");
    gate.send("badge 04A1B2C3");
    REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 1; }));
    const auto id = ledger.sessions[0].id;

    // What anyone with write access to the acks topic could send: the old unsigned format,
    // an unsigned ack in the new one, and one signed with a key the gate does not hold.
    auto forger = acl_signature::generate_keypair().value();
    auto body = encode_ack_body(SignedAck{kSite, kMachine, 1'767'225'600'000, {id}});
    auto forged = acl_signature::sign_bytes(body, forger.secret_key);
    const std::string older_ledgers_ack = R"({"v":1,"type":"ack","ids":[")" + id + R"("]})";
    for (const auto& payload :
         {older_ledgers_ack, body, join_signed(body, kAckEnvelopeType, forged.key_id, forged.hex)})
        ledger.client.publish(machine_topic("acks"), payload);
    REQUIRE_MESSAGE(
        ledger.wait([&] { return gate.log().find("refused (3 so far)") != std::string::npos; }),
        gate.log());
    CHECK(gate.outbox() == 1);

    ledger.ack({id});
    CHECK(ledger.wait([&] { return gate.outbox() == 0; }));
}

TEST_CASE("the broker stopped and restarted mid-stream loses nothing") {
    TestBroker broker;
    TempDir dir;
    GateUnderTest gate(dir, broker.port());
    gate.start();
    std::set<std::string> before_outage;
    {
        FakeLedger ledger(broker.port());
        ledger.publish_acl(1, {{"A1", "alice"}});
        REQUIRE(acl_in_force(ledger, 1));
        for (int i = 0; i < 10; ++i) {
            gate.send("badge A1");
            gate.send("badge A1");
        }
        REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 10; }));
        for (const auto& session : ledger.sessions) before_outage.insert(session.id);
    }
    broker.stop();
    // Offline: the gate keeps admitting from its cached access list.
    for (int i = 0; i < 10; ++i) {
        CHECK(gate.send("badge A1").find("relay=on") != std::string::npos);
        gate.send("badge A1");
    }
    // The ten from the outage, and any of the first ten whose ack the stop cut off.
    CHECK(gate.outbox() >= 10);
    CHECK(gate.outbox() <= 20);
    broker.start();
    FakeLedger ledger(broker.port());
    CHECK(ledger.wait([&] { return gate.outbox() == 0; }, 30s));
    std::set<std::string> from_outage;
    for (const auto& session : ledger.sessions)
        if (!before_outage.count(session.id)) from_outage.insert(session.id);
    CHECK(from_outage.size() == 10);  // exactly the ten sessions of the outage, none lost
    CHECK(gate.running());
}

TEST_CASE(
    "a gate killed mid-session restarts with the relay off and delivers a power_loss session") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port());
    GateUnderTest gate(dir, broker.port(), {{"checkpoint_s", 1}});
    gate.start();
    ledger.publish_acl(1, {{"A1", "alice"}});
    REQUIRE(acl_in_force(ledger, 1));
    REQUIRE(gate.send("badge A1").find("relay=on") != std::string::npos);
    REQUIRE(state_is(ledger, MachineState::InUse));
    std::string session_id = ledger.last_state()->session;
    // Wait for a checkpoint with some powered time in it.
    REQUIRE(ledger.wait([&] { return gate.open_sessions() == 1; }));
    ledger.client.pump(1500ms);

    gate.kill(SIGKILL);
    gate.wait_exit();
    gate.start();
    CHECK_FALSE(gate.relay_on());
    REQUIRE(ledger.wait([&] { return !ledger.sessions.empty(); }));
    const auto& s = ledger.sessions[0];
    CHECK(s.id == session_id);
    CHECK(s.end_reason == EndReason::PowerLoss);
    CHECK(s.powered_ms >= 1000);
    CHECK(ledger.wait([&] { return gate.outbox() == 0 && gate.open_sessions() == 0; }));
    // The cached access list works straight after the restart.
    CHECK(gate.send("badge A1").find("relay=on") != std::string::npos);
}

TEST_CASE("a newer access list applies; an older one is refused") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port());
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(5, {{"A1", "alice"}});
    REQUIRE(acl_in_force(ledger, 5));
    ledger.publish_acl(3, {{"A1", "alice"}, {"B2", "bob"}});
    ledger.client.pump(300ms);
    CHECK(gate.send("badge B2").find("relay=off") != std::string::npos);
    CHECK(ledger.last_state()->acl_version == 5);
    CHECK(gate.log().find("version 3 refused: version 3 is older than version 5 in force") !=
          std::string::npos);

    ledger.publish_acl(6, {{"B2", "bob"}});
    REQUIRE(acl_in_force(ledger, 6));
    CHECK(gate.send("badge B2").find("relay=on") != std::string::npos);
    gate.send("badge B2");
    CHECK(gate.send("badge A1").find("relay=off") !=
          std::string::npos);  // alice is no longer listed
}

TEST_CASE("malformed payloads on every subscribed topic change nothing") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port(), /*auto_ack=*/false);
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(2, {{"A1", "alice"}});
    REQUIRE(acl_in_force(ledger, 2));
    // One finished session waiting in the outbox, one running.
    gate.send("badge A1");
    gate.send("badge A1");
    REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 1; }));
    gate.send("badge A1");
    REQUIRE(ledger.wait([&] {
        auto st = ledger.last_state();
        return st && st->state == MachineState::InUse && st->session != ledger.sessions[0].id;
    }));
    auto before = *ledger.last_state();
    auto states_before = ledger.client.on(machine_topic("state")).size();

    const std::vector<std::string> garbage = {
        "",
        "{",
        "[]",
        "null",
        "\xff\xfe\x00garbage",
        R"({"v":2,"type":"acl"})",
        R"({"v":"1"})",
        R"({"v":1,"type":"acl","site":"lab","machine":"laser-1","version":99,"generated_at":0,"entries":[{"uid":"XYZ"}]})",
        R"({"v":1,"type":"acl","site":"lab","machine":"laser-2","version":99,"generated_at":0,"entries":[]})",
        R"({"v":1,"type":"ack","ids":[1,2]})",
        R"({"v":1,"type":"ack","ids":["no-such-session"],"extra":1})",
        R"({"v":1,"type":"command","command":"explode"})",
        R"({"v":9,"type":"command","command":"lock"})",
        R"({"v":1,"type":"command","command":"end_session","by":"x","surprise":true})",
        std::string(70 * 1024, '{')};
    for (const auto& leaf : {"acl", "acks", "commands"})
        for (const auto& payload : garbage)
            REQUIRE(ledger.client.publish(machine_topic(leaf), payload));
    ledger.client.pump(500ms);

    CHECK(gate.running());
    CHECK(gate.relay_on());
    CHECK(gate.outbox() == 1);
    auto after = *ledger.last_state();
    CHECK(after.state == MachineState::InUse);
    CHECK(after.session == before.session);
    CHECK(after.acl_version == 2);
    CHECK(ledger.client.on(machine_topic("state")).size() == states_before);
    CHECK(gate.log().find("access list refused") != std::string::npos);
}

TEST_CASE("SIGTERM ends the session with reason shutdown, relay off, and delivers it") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port());
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(1, {{"A1", "alice"}});
    REQUIRE(acl_in_force(ledger, 1));
    gate.send("badge A1");
    REQUIRE(state_is(ledger, MachineState::InUse));
    gate.kill(SIGTERM);
    CHECK(gate.wait_exit() == 0);
    CHECK(gate.log().find("relay off") != std::string::npos);
    CHECK(state_is(ledger, MachineState::Offline));
    // Delivered at shutdown, or from the journal at the next start: either way, once.
    if (ledger.sessions.empty()) gate.start();
    REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 1; }));
    CHECK(ledger.sessions[0].end_reason == EndReason::Shutdown);
}

TEST_CASE("remote commands lock the machine, end a session and unlock it") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port());
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(1, {{"A1", "alice"}});
    REQUIRE(acl_in_force(ledger, 1));
    gate.send("badge A1");
    ledger.client.publish(machine_topic("commands"),
                          encode(Command{CommandKind::EndSession, "fabmanager", ""}));
    REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 1; }));
    CHECK(ledger.sessions[0].end_reason == EndReason::Remote);
    CHECK(ledger.sessions[0].ended_by == "fabmanager");
    CHECK_FALSE(gate.relay_on());

    ledger.client.publish(machine_topic("commands"),
                          encode(Command{CommandKind::Lock, "fabmanager", "new lens"}));
    REQUIRE(state_is(ledger, MachineState::Maintenance));
    CHECK(ledger.last_state()->detail == "locked by fabmanager: new lens");
    CHECK(gate.send("badge A1").find("relay=off") != std::string::npos);
    ledger.client.publish(machine_topic("commands"),
                          encode(Command{CommandKind::Unlock, "fabmanager", ""}));
    REQUIRE(state_is(ledger, MachineState::Idle));
    CHECK(gate.send("badge A1").find("relay=on") != std::string::npos);
}

TEST_CASE("denied and unknown badges are published as events, for enrolment") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port());
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(1, {{"A1", "alice"}});
    REQUIRE(acl_in_force(ledger, 1));
    gate.send("badge 0badcafe");
    REQUIRE(ledger.wait([&] { return !ledger.client.on(machine_topic("events")).empty(); }));
    auto event = decode_event(ledger.client.on(machine_topic("events"))[0].payload);
    REQUIRE(event);
    CHECK(event->kind == EventKind::UnknownBadge);
    CHECK(event->uid == "0BADCAFE");
}

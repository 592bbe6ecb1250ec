// A gate's log sits on an SD card in a public room: it names badges by a hash prefix, never by
// the UID that would let someone clone the badge.
#include <doctest/doctest.h>

#include "gate_harness.hpp"
#include "sys/uid_tag.hpp"

using namespace fabgate;
using namespace fabgate::test;

TEST_CASE("the gate logs a badge's hash prefix, not its UID, granted or refused") {
    TestBroker broker;
    TempDir dir;
    FakeLedger ledger(broker.port());
    GateUnderTest gate(dir, broker.port());
    gate.start();
    ledger.publish_acl(1, {{"11223344", "alice"}});
    REQUIRE(ledger.wait([&] {
        auto st = ledger.last_state();
        return st && st->acl_version == 1;
    }));
    CHECK(gate.send("badge 11223344").find("relay=on") != std::string::npos);
    CHECK(gate.send("badge 11223344").find("relay=off") != std::string::npos);
    CHECK(gate.send("badge 0A0B0C0D").find("relay=off") != std::string::npos);  // unknown
    REQUIRE(ledger.wait([&] { return ledger.sessions.size() == 1; }));

    auto log = gate.log();  // the sim hint at start-up names an example UID: not one of these
    CHECK(log.find("11223344") == std::string::npos);
    CHECK(log.find("0A0B0C0D") == std::string::npos);
    CHECK(uid_tag("11223344") == "uid#4f9f10b3");
    CHECK(log.find(uid_tag("11223344")) != std::string::npos);
    CHECK(log.find(uid_tag("0A0B0C0D") + ": refused") != std::string::npos);
}

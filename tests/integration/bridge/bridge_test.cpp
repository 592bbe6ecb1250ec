// A site broker bridged to the central one with config/mosquitto/site-bridge.conf: sessions go
// up without loss even across a cut link, access lists come down, and nothing crosses that is
// not the site's.
#include <fstream>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

const std::string kSessions = "fabgate/lab/machines/laser-1/sessions";
const std::string kAcl = "fabgate/lab/machines/laser-1/acl";

// The production bridge section, pointed at the test's central broker. Only what cannot work
// on loopback without a CA changes: no TLS or login (the central test broker is anonymous), and
// a shorter reconnect delay so the test does not wait 30 s.
std::string bridge_section(int central_port) {
    std::ifstream in(std::string(FABGATE_SOURCE_DIR) + "/config/mosquitto/site-bridge.conf");
    REQUIRE(in.good());
    std::ostringstream out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto key = line.substr(0, line.find(' '));
        if (key == "remote_username" || key == "remote_password" ||
            key.starts_with("bridge_cafile") || key == "bridge_insecure")
            continue;
        if (key == "address") line = "address 127.0.0.1:" + std::to_string(central_port);
        if (key == "restart_timeout") line = "restart_timeout 1 2";
        out << line << "\n";
    }
    return out.str();
}

bool bridge_up(TestClient& site_watcher) {
    return site_watcher.wait(
        [&] {
            auto states = site_watcher.on("$SYS/broker/connection/bridge-lab/state");
            return !states.empty() && states.back().payload == "1";
        },
        30s);
}

std::set<std::string> payloads(const TestClient& client, const std::string& topic) {
    std::set<std::string> out;
    for (const auto& h : client.on(topic)) out.insert(h.payload);
    return out;
}

}  // namespace

TEST_CASE("sessions reach the central ledger, and a cut link loses none of them") {
    TestBroker central;
    TestClient ledger(central.port(), "fabledger", /*clean_session=*/false);
    ledger.subscribe("fabgate/+/machines/+/sessions");
    REQUIRE(ledger.connect());

    TestBroker site(bridge_section(central.port()));
    TestClient watcher(site.port(), "watcher");
    watcher.subscribe("$SYS/broker/connection/#");
    REQUIRE(watcher.connect());
    REQUIRE_MESSAGE(bridge_up(watcher), site.log());
    TestClient gate(site.port(), "gate-lab-laser-1");
    REQUIRE(gate.connect());

    // The ledger's subscription is in place once one message makes the trip.
    REQUIRE(ledger.wait(
        [&] {
            gate.publish(kSessions, "before-cut");
            return payloads(ledger, kSessions).count("before-cut") > 0;
        },
        20s));

    central.stop();
    REQUIRE(watcher.wait(
        [&] {
            auto states = watcher.on("$SYS/broker/connection/bridge-lab/state");
            return !states.empty() && states.back().payload == "0";
        },
        20s));
    std::set<std::string> sent;
    for (int n = 0; n < 200; ++n) {
        std::string payload = "during-cut-" + std::to_string(n);
        REQUIRE(gate.publish(kSessions, payload));  // the site broker has it (PUBACK)
        sent.insert(payload);
    }
    central.start();

    CHECK_MESSAGE(ledger.wait(
                      [&] {
                          auto got = payloads(ledger, kSessions);
                          for (const auto& p : sent)
                              if (!got.count(p)) return false;
                          return true;
                      },
                      60s),
                  "site log:\n"
                      << site.log() << "\ncentral log:\n"
                      << central.log());
    auto got = payloads(ledger, kSessions);
    std::size_t missing = 0;
    for (const auto& p : sent) missing += got.count(p) ? 0 : 1;
    CHECK(missing == 0);
}

TEST_CASE(
    "the central access list, retained, reaches a gate on the site broker; other sites' do not") {
    TestBroker central;
    TestClient ledger(central.port(), "fabledger", false);
    REQUIRE(ledger.connect());
    // Published before the site broker even exists: the bridge gets it as a retained message.
    REQUIRE(ledger.publish(kAcl, "acl-v1", /*retain=*/true));
    REQUIRE(ledger.publish("fabgate/other/machines/laser-1/acl", "other-site", true));
    REQUIRE(ledger.publish("fabgate/lab/machines/laser-1/sessions", "not-for-gates", false));

    TestBroker site(bridge_section(central.port()));
    TestClient watcher(site.port(), "watcher");
    watcher.subscribe("$SYS/broker/connection/#");
    watcher.subscribe(kAcl);
    REQUIRE(watcher.connect());
    REQUIRE_MESSAGE(bridge_up(watcher), site.log());
    // The bridge's state goes up before the central broker has sent it the retained list: a
    // gate subscribed in between would get the list live, not retained. Once the watcher has
    // it, the site broker holds its retained copy.
    REQUIRE_MESSAGE(watcher.wait([&] { return payloads(watcher, kAcl).count("acl-v1") > 0; }, 20s),
                    site.log());

    // A gate that connects later gets the list from its site broker.
    TestClient gate(site.port(), "gate-lab-laser-1");
    gate.subscribe("fabgate/#");
    REQUIRE(gate.connect());
    REQUIRE_MESSAGE(gate.wait([&] { return payloads(gate, kAcl).count("acl-v1") > 0; }, 20s),
                    site.log());
    CHECK(gate.on(kAcl).front().retained);

    // A new list while the gate is connected arrives live; commands too.
    REQUIRE(ledger.publish(kAcl, "acl-v2", true));
    REQUIRE(ledger.publish("fabgate/lab/machines/laser-1/commands", "lock"));
    REQUIRE(gate.wait(
        [&] { return payloads(gate, "fabgate/lab/machines/laser-1/commands").count("lock") > 0; },
        20s));
    CHECK(payloads(gate, kAcl).count("acl-v2") == 1);

    // The site broker keeps v2 as its retained copy for gates that come later.
    TestClient late_gate(site.port(), "gate-lab-laser-1-late");
    late_gate.subscribe(kAcl);
    REQUIRE(late_gate.connect());
    REQUIRE(late_gate.wait([&] { return !late_gate.on(kAcl).empty(); }, 10s));
    CHECK(late_gate.on(kAcl).back().payload == "acl-v2");

    // Nothing of another site, and nothing the bridge does not carry inwards (sessions).
    CHECK(gate.on("fabgate/other/machines/laser-1/acl").empty());
    CHECK(gate.on("fabgate/lab/machines/laser-1/sessions").empty());
}

// A subscription the broker refuses is said, not suffered in silence: MQTT 3.1.1 keeps the
// connection up and answers only with SUBACK 0x80, after which the topic simply stays quiet (a
// gate with no lists or acks, a ledger with no sessions). Mosquitto's acl_file, which the
// production config uses, grants every subscription and filters at delivery instead (see
// docs/protocol.md, `state`); its dynamic-security plugin refuses them, so that is the broker
// here.
#include <sys/stat.h>

#include <csignal>
#include <memory>

#include <doctest/doctest.h>

#include "gate_harness.hpp"
#include "secure_broker.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

std::string dynamic_security_plugin() {
    auto found = run_shell(
        "ls /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so "
        "2>/dev/null | head -n1");
    auto path = found.output.substr(0, found.output.find('\n'));
    return found.status == 0 ? path : "";
}

// A broker whose anonymous clients have one role, `reader`, made of `acls` (mosquitto_ctrl
// addRoleACL arguments after the role's name).
struct CheckingBroker {
    TempDir dir;
    std::unique_ptr<TestBroker> broker;

    explicit CheckingBroker(const std::vector<std::string>& acls) {
        auto plugin = dynamic_security_plugin();
        REQUIRE_MESSAGE(!plugin.empty(), "mosquitto_dynamic_security.so is not installed");
        const auto config = dir.file("dynsec.json");
        auto init =
            run_shell("mosquitto_ctrl dynsec init " + quote(config) + " admin admin-secret");
        REQUIRE_MESSAGE(init.status == 0, init.output);
        chmod(config.c_str(), 0666);  // the broker drops to the mosquitto user and rewrites it
        broker =
            std::make_unique<TestBroker>("plugin " + plugin + "\nplugin_opt_config_file " + config);
        std::vector<std::string> steps{"createRole reader"};
        for (const auto& acl : acls) steps.push_back("addRoleACL reader " + acl);
        for (const char* step : {"createGroup anonymous", "addGroupRole anonymous reader",
                                 "setAnonymousGroup anonymous"})
            steps.emplace_back(step);
        const auto ctl = "mosquitto_ctrl -p " + std::to_string(broker->port()) +
                         " -u admin -P admin-secret dynsec ";
        for (const auto& step : steps) {
            auto done = run_shell(ctl + step);
            REQUIRE_MESSAGE(done.status == 0, step << ": " << done.output);
        }
    }
    int port() const { return broker->port(); }
};

}  // namespace

TEST_CASE("a subscription the broker refuses is counted and named; the granted ones are not") {
    CheckingBroker broker({"subscribePattern 'allowed/#' allow"});
    EventLoop loop;
    MqttOptions options;
    options.broker.host = "127.0.0.1";
    options.broker.port = broker.port();
    options.broker.client_id = "refused-subscriber";
    MqttLink link(loop, options);
    int changes = 0;
    link.on_refusals_changed([&] { ++changes; });
    link.subscribe("allowed/acl", 1);
    link.subscribe("forbidden/acks", 1);
    REQUIRE(link.start());
    REQUIRE(wait_until(
        loop, [&] { return !link.refused_subscriptions().empty(); }, 10s));
    CHECK(link.refused_subscriptions() == std::vector<std::string>{"forbidden/acks"});
    CHECK(link.subscription_refusals() == 1);
    CHECK(changes == 1);
}

TEST_CASE("a gate refused its acks says so in its log and in the state managers see") {
    CheckingBroker broker({"publishClientSend '#' allow", "subscribePattern '#' allow",
                           "subscribePattern 'fabgate/+/machines/+/acks' deny 10"});
    TestClient manager(broker.port(), "manager");
    REQUIRE(manager.connect());
    manager.subscribe(machine_topic("state"));
    TempDir dir;
    GateUnderTest gate(dir, broker.port());
    gate.start();
    bool shown = manager.wait([&] {
        for (const auto& state : manager.on(machine_topic("state")))
            if (state.payload.find("broker refuses acks") != std::string::npos) return true;
        return false;
    });
    CHECK_MESSAGE(shown, gate.log());
    CHECK_MESSAGE(
        gate.log().find("the broker refused the subscription to " + machine_topic("acks") +
                        ": nothing will arrive there; check the broker's ACL") != std::string::npos,
        gate.log());
    CHECK(gate.log().find("refused the subscription to " + machine_topic("acl")) ==
          std::string::npos);
    gate.kill(SIGTERM);
    gate.wait_exit();
}

// Who may command a gate through the production broker (TLS, per-gate logins, acl.conf): a
// manager's own login locks and unlocks a machine through gate and broker restarts, a login
// whose ACL drops commands is told so, and the web console's login commands but forges nothing.
#include <fstream>
#include <future>

#include <doctest/doctest.h>

#include "secure_fixtures.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

const std::string alice = "04A1B2C3";  // m-1, a right on laser-1 (the Ledger fixture's)

}  // namespace

// ---- Maintenance locks and manager identities, against the production broker config ----

TEST_CASE(
    "fabctl lock as a manager reaches the gate; gate restart, broker restart and a wiped "
    "journal keep it locked; unlock clears it") {
    SecureBroker broker;
    RunningLab lab(broker);
    auto& ledger = lab.ledger;
    auto& gate = lab.gate;
    REQUIRE(gate->admits(alice));

    auto locked = ledger.manager("machines lock laser-1 --reason 'new lens'");
    INFO(locked.output);
    REQUIRE(locked.status == 0);
    CHECK(locked.output.find("confirmed by the gate") != std::string::npos);
    CHECK_FALSE(gate->admits(alice));
    // The ledger kept its connection: no client took over its id.
    CHECK(broker.log().find("already connected") == std::string::npos);
    REQUIRE_MESSAGE(gate->logged("access list version 2 in force"), gate->log());

    gate.reset();  // gate restart
    gate = std::make_unique<SignedGate>(broker);
    CHECK(gate->logged("locked for maintenance, as before the restart"));
    CHECK_FALSE(gate->admits(alice));

    // The lock above came from the journal, before any connection: restart the broker only
    // once the gate is connected, or its first connection may be the one to the new broker.
    REQUIRE_MESSAGE(gate->logged_times("connected to 127.0.0.1", 1), gate->log());
    broker.restart();
    REQUIRE_MESSAGE(gate->logged_times("connected to 127.0.0.1", 2), gate->log());
    CHECK_FALSE(gate->admits(alice));

    gate.reset();  // a new SD card: no journal, no cached list
    wipe_journal(broker);
    gate = std::make_unique<SignedGate>(broker);
    REQUIRE_MESSAGE(gate->logged("access list version 2 in force"), gate->log());
    CHECK(gate->logged("state maintenance"));
    CHECK_FALSE(gate->admits(alice));

    auto unlocked = ledger.manager("machines unlock laser-1");
    INFO(unlocked.output);
    CHECK(unlocked.status == 0);
    CHECK(gate->admits(alice));
    gate.reset();
    wipe_journal(broker);
    gate = std::make_unique<SignedGate>(broker);
    REQUIRE_MESSAGE(gate->logged("access list version 3 in force"), gate->log());
    CHECK(gate->admits(alice));
    auto audit = ledger.fabctl("--db " + quote(ledger.db()) + " --json audit --limit 1");
    CHECK(nlohmann::json::parse(audit.output)[0]["after"].dump().find("confirmed") !=
          std::string::npos);
}

TEST_CASE(
    "a command the broker drops for the login's ACL is reported 'not confirmed by the gate'") {
    SecureBroker broker;
    Ledger ledger(broker);  // the database only: no fabledger to push the lock in a list
    SecureClient ledger_client(broker.port(), ledger_login(broker), "fabledger");
    REQUIRE(ledger_client.connect());
    auto v1 = access_list("laser-1", 1, {"04A1B2C3"});
    REQUIRE(ledger_client.publish(topic("laser-1", "acl"), signed_by(v1, ledger_secret_key(broker)),
                                  true));
    SignedGate gate(broker);
    REQUIRE(gate.logged("access list version 1 in force"));

    auto r = ledger.manager("machines lock laser-1 --timeout 2s", "viewer");
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK(r.output.find("not confirmed by the gate") != std::string::npos);
    CHECK(gate.admits("04A1B2C3"));  // the command never reached the gate
    auto audit = ledger.fabctl("--db " + quote(ledger.db()) + " --json audit --limit 1");
    CHECK(audit.output.find("not_confirmed") != std::string::npos);
    CHECK(audit.output.find("manager-viewer") != std::string::npos);

    // maria's login may send it: the same command is confirmed.
    auto ok = ledger.manager("machines lock laser-1 --timeout 5s");
    INFO(ok.output);
    CHECK(ok.status == 0);
    CHECK_FALSE(gate.admits("04A1B2C3"));
}

TEST_CASE(
    "production broker: a manager's second command, run while the first waits for its gate, "
    "closes neither connection, and both arrive") {
    SecureBroker broker;
    RunningLab lab(broker);
    REQUIRE(lab.ledger.db_fabctl("machines add lab/laser-2 --name 'Laser 2'").status == 0);
    // laser-2's gate hears commands and never answers: the first run waits its whole timeout.
    SecureClient laser2(broker.port(), gate_login(broker, "laser-2"), "gate-lab-laser-2");
    laser2.subscribe(topic("laser-2", "commands"));
    REQUIRE(laser2.connect());
    auto run = [&](const std::string& args) {
        return std::async(std::launch::async, [&lab, args] { return lab.ledger.manager(args); });
    };
    auto ending = run("machines end-session laser-2 --timeout 3s");
    REQUIRE(laser2.wait([&] { return !laser2.on(topic("laser-2", "commands")).empty(); }));
    // A second terminal, the same login: the broker names every connection by its user name
    // (use_username_as_clientid), so this one's would close the first's.
    auto locking = run("machines lock laser-1 --timeout 5s --reason 'second terminal'");
    auto locked = locking.get();
    auto ended = ending.get();
    CHECK_MESSAGE(locked.status == 0, locked.output);
    CHECK(locked.output.find("confirmed by the gate") != std::string::npos);
    CHECK_FALSE(lab.gate->admits(alice));
    CHECK_MESSAGE(ended.output.find("no state from the gate") != std::string::npos, ended.output);
    CHECK(laser2.on(topic("laser-2", "commands")).size() == 1);
    for (const auto* output : {&locked.output, &ended.output})
        CHECK_MESSAGE(output->find("lost broker connection") == std::string::npos, *output);
}

// ---- The web console's broker login (fabweb, docs/console.md) ----

TEST_CASE(
    "production broker: the console login sends a lock the gate obeys, and cannot publish "
    "sessions or access lists") {
    SecureBroker broker;
    SignedGate gate(broker);
    std::ifstream pass(broker.file("fabctl/console.pass"));
    std::string password;
    std::getline(pass, password);
    SecureClient console(broker.port(), {"console", password, broker.file("ca.crt"), "", ""},
                         "console");
    console.subscribe(topic("laser-1", "state"));
    REQUIRE(console.connect());
    REQUIRE_MESSAGE(console.wait([&] { return !console.on(topic("laser-1", "state")).empty(); }),
                    "the console login reads the gates' state");

    Command lock;
    lock.kind = CommandKind::Lock;
    lock.by = "fabweb:ada";
    lock.reason = "probe";
    REQUIRE(console.publish(topic("laser-1", "commands"), encode(lock)));
    REQUIRE_MESSAGE(console.wait([&] {
        for (const auto& h : console.on(topic("laser-1", "state"))) {
            auto s = decode_status(h.payload);
            if (!h.retained && s && s->locked) return true;
        }
        return false;
    }),
                    gate.log());

    // Forgeries first, then what the rightful writer sends: once that arrives, the forgery
    // would have too.
    LedgerAndGate laser2(broker, "laser-2");
    auto& ledger = laser2.ledger;
    auto& gate2 = laser2.gate;
    CHECK(console.publish(topic("laser-2", "sessions"), session_payload("laser-2", "forged-1")));
    CHECK(console.publish(topic("laser-2", "acl"), "forged-acl"));
    CHECK(gate2.publish(topic("laser-2", "sessions"), session_payload("laser-2", "real-1")));
    CHECK(ledger.publish(topic("laser-2", "acl"), "real-acl"));
    REQUIRE(ledger.wait([&] { return !ledger.on(topic("laser-2", "sessions")).empty(); }));
    REQUIRE(gate2.wait([&] { return gate2.heard_payload(topic("laser-2", "acl"), "real-acl"); }));
    for (const auto& h : ledger.on(topic("laser-2", "sessions")))
        CHECK(h.payload.find("forged-1") == std::string::npos);
    CHECK_FALSE(gate2.heard_payload(topic("laser-2", "acl"), "forged-acl"));
}

TEST_CASE(
    "production broker: a command left retained on the broker is not replayed to a gate that "
    "reconnects, and the ledger's lock holds") {
    SecureBroker broker;
    RunningLab lab(broker);

    // A manager's test by hand (mosquitto_pub -r) leaves an unlock on the broker for good.
    SecureClient manager(broker.port(), manager_login(broker), "manager-maria");
    REQUIRE(manager.connect());
    Command unlock;
    unlock.kind = CommandKind::Unlock;
    unlock.by = "maria";
    REQUIRE(manager.publish(topic("laser-1", "commands"), encode(unlock), /*retain=*/true));

    auto locked = lab.ledger.manager("machines lock laser-1 --reason 'new lens'");
    REQUIRE_MESSAGE(locked.status == 0, locked.output);
    REQUIRE_MESSAGE(lab.gate->logged("access list version 2 in force"), lab.gate->log());
    CHECK_FALSE(lab.gate->admits(alice));

    // A restart: the gate subscribes afresh, and the broker sends it what it retains.
    lab.gate.reset();
    lab.gate = std::make_unique<SignedGate>(broker);
    // A live command, sent until the gate acts on it: the broker delivers a retained copy as it
    // takes the subscription, before anything live, so by then the gate has handled that too.
    Command probe;
    probe.kind = CommandKind::EndSession;
    probe.by = "probe";
    REQUIRE_MESSAGE(eventually([&] {
                        (void)manager.publish(topic("laser-1", "commands"), encode(probe));
                        return lab.gate->log().find("no session to end") != std::string::npos;
                    }),
                    lab.gate->log());
    CHECK_FALSE(lab.gate->admits(alice));
}

TEST_CASE("production broker: a long reason keeps neither a command nor a lock from the gate") {
    SecureBroker broker;
    RunningLab lab(broker);
    // The wire's text fields hold 256 bytes; a manager's reason may say more.
    const std::string reason(300, 'r');
    REQUIRE(lab.gate->send("badge " + alice).find("relay=on") != std::string::npos);
    auto ended = lab.ledger.manager("machines end-session laser-1 --timeout 3s --reason " + reason);
    CHECK_MESSAGE(ended.status == 0, ended.output);
    CHECK(lab.gate->send("status").find("relay=off") != std::string::npos);

    auto locked = lab.ledger.manager("machines lock laser-1 --timeout 3s --reason " + reason);
    INFO(locked.output);
    REQUIRE_MESSAGE(lab.gate->logged("access list version 2 in force"), lab.gate->log());
    CHECK_FALSE(lab.gate->admits(alice));
}

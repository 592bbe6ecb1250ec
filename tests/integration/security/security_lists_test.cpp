// Access lists as deployed: what the laser gate's own broker login can read, a gate that stays
// offline past its acl_max_age_s, and a rotation of the ledger's signing key done the way
// docs/deploy.md says. Against the production broker config (TLS, per-gate logins, acl.conf).
#include <chrono>
#include <regex>

#include <doctest/doctest.h>

#include "secure_fixtures.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

const std::string alice = "04A1B2C3";  // m-1, a right on laser-1 (the Ledger fixture's)
const std::string bob = "04B0B0B0";    // a right on laser-2 only
const std::string carol = "04C0C0C0";  // a right on the group "lasers", which laser-1 is in
const std::string dave = "04D0D0D0";   // a badge, no right on anything

UnixMs now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void seed_lab(Ledger& ledger) {
    for (const char* step :
         {"machines edit laser-1 --group lasers", "machines add lab/laser-2 --name 'Laser 2'",
          "members add m-2 --name Bob", "badges assign 04B0B0B0 m-2", "rights grant m-2 laser-2",
          "members add m-3 --name Carol", "badges assign 04C0C0C0 m-3",
          "rights grant m-3 --group lasers", "members add m-4 --name Dave",
          "badges assign 04D0D0D0 m-4"}) {
        auto r = ledger.db_fabctl(step);
        REQUIRE_MESSAGE(r.status == 0, step << ": " << r.output);
    }
}

}  // namespace

TEST_CASE(
    "production broker: the laser gate's login reads only its own minimal list: the badges of "
    "members with a right there, no names, and never laser-2's list") {
    SecureBroker broker;
    Ledger ledger(broker);
    seed_lab(ledger);
    ledger.start();
    // Both lists are retained once laser-2's gate has heard its own (the ledger publishes every
    // machine's list in one pass).
    {
        SecureClient other_gate(broker.port(), gate_login(broker, "laser-2"), "gate-lab-laser-2");
        other_gate.subscribe(topic("laser-2", "acl"));
        REQUIRE(other_gate.connect());
        REQUIRE_MESSAGE(
            other_gate.wait([&] { return !other_gate.on(topic("laser-2", "acl")).empty(); }),
            ledger.log());
    }

    // laser-2's topic is asked for first: had the broker let it through, its retained list would
    // arrive before laser-1's.
    SecureClient laser(broker.port(), gate_login(broker, "laser-1"), "gate-lab-laser-1");
    laser.subscribe(topic("laser-2", "acl"));
    laser.subscribe("fabgate/lab/machines/+/acl");
    laser.subscribe(topic("laser-1", "acl"));
    REQUIRE(laser.connect());
    REQUIRE(laser.wait([&] { return !laser.on(topic("laser-1", "acl")).empty(); }));
    CHECK(laser.on(topic("laser-2", "acl")).empty());

    const auto payload = laser.on(topic("laser-1", "acl")).front().payload;
    CHECK(acl_signature::verify_payload(payload, first_word(broker.file("keys/acl-signing.pub"))));
    auto snapshot = decode_access_list(payload);
    REQUIRE(snapshot);
    const auto& entries = snapshot->list.entries;
    CHECK(entries.size() == 2);
    CHECK(entries.count(Uid::parse(alice).value()) == 1);  // a right on the machine
    CHECK(entries.count(Uid::parse(carol).value()) == 1);  // a right on its group
    CHECK(entries.count(Uid::parse(bob).value()) == 0);    // a right elsewhere only
    CHECK(entries.count(Uid::parse(dave).value()) == 0);   // no right at all
    for (const auto& entry : entries)  // clang before 16: no structured binding in a CHECK
        CHECK_MESSAGE(entry.second.name.empty(), entry.first.hex());
    for (const char* name : {"Alice", "Bob", "Carol", "Dave"})
        CHECK_MESSAGE(payload.find(name) == std::string::npos, name << " in " << payload);
}

TEST_CASE(
    "production broker: a gate offline with a list older than acl_max_age_s admits no one, and "
    "admits again once a fresh list arrives") {
    SecureBroker broker;
    SecureClient ledger(broker.port(), ledger_login(broker), "fabledger");
    REQUIRE(ledger.connect());
    const auto key = ledger_secret_key(broker);
    const std::int64_t max_age_s = 3 * 3600;  // the smallest the gate accepts (kMinAclMaxAgeS)
    // The ledger's last list before the gate lost the broker, issued just over max_age_s ago and
    // otherwise valid for days: only the gate's own limit can stop it.
    auto last = access_list("laser-1", 1, {alice});
    last.generated_at = now_ms() - (max_age_s + 60) * 1000;
    last.valid_until = now_ms() + 6LL * 24 * 3600 * 1000;
    REQUIRE(ledger.publish(topic("laser-1", "acl"), signed_by(last, key), true));
    SignedGate gate(broker,
                    [&](nlohmann::json& config) { config["policy"]["acl_max_age_s"] = max_age_s; });
    REQUIRE_MESSAGE(gate.logged("access list version 1 in force"), gate.log());

    broker.stop();
    auto reply = gate.send("badge " + alice);
    CHECK_MESSAGE(reply.find("relay=off") != std::string::npos, reply);
    CHECK_MESSAGE(gate.logged("refused: the access list is out of date"), gate.log());

    // Back online: the ledger's next list (fresh) lets the member in again.
    broker.start();
    REQUIRE(ledger.wait([&] { return ledger.connected(); }, 20s));
    auto fresh = access_list("laser-1", 2, {alice});
    fresh.generated_at = now_ms();
    fresh.valid_until = fresh.generated_at + 7LL * 24 * 3600 * 1000;
    REQUIRE(ledger.publish(topic("laser-1", "acl"), signed_by(fresh, key), true));
    REQUIRE_MESSAGE(gate.logged("access list version 2 in force"), gate.log());
    CHECK(gate.admits(alice));
}

TEST_CASE(
    "production broker: after fabledger --rotate-signing-key as deploy.md says, the gate takes "
    "the new key's lists and acks, and refuses the old key's once it is removed") {
    // One test, not one per step: each step starts from what the previous left (the keys a gate
    // trusts, the ledger's key file, the highest version the gate took).
    SecureBroker broker;
    Ledger ledger(broker);
    ledger.start();
    SignedGate gate(broker);
    REQUIRE_MESSAGE(gate.logged("access list version 1 in force"), gate.log() << ledger.log());
    const auto key_file = broker.file("keys/acl-signing.key");
    const auto old_key = ledger_secret_key(broker);

    // 1. A new key beside the current one, printed for the gates' acl_public_keys.
    auto rotated = run_shell(binary("FABLEDGER_BIN", FABLEDGER_BIN) +
                             std::string(" --rotate-signing-key ") + quote(key_file));
    REQUIRE_MESSAGE(rotated.status == 0, rotated.output);
    std::smatch found;
    REQUIRE_MESSAGE(std::regex_search(rotated.output, found,
                                      std::regex(R"("acl_public_keys": \[\"([0-9a-f]{64})\"\])")),
                    rotated.output);
    const std::string new_public = found[1];
    const auto new_key = first_word(key_file + ".next");
    gate.reload([&](nlohmann::json& config) { config["acl_public_keys"] = {new_public}; });
    // Trusting both, the gate still takes what the ledger signs with the current key.
    for (const char* step :
         {"members add m-5 --name Eve", "badges assign 04E0E0E0 m-5", "rights grant m-5 laser-1"})
        REQUIRE(ledger.db_fabctl(step).status == 0);
    REQUIRE_MESSAGE(gate.logged("access list version 2 in force"), gate.log() << ledger.log());
    CHECK(gate.admits("04E0E0E0"));

    // 2. The new key becomes the ledger's; fabledger restarts; a change is signed with it.
    REQUIRE(ledger.stop());
    REQUIRE(run_shell("mv " + quote(key_file + ".next") + " " + quote(key_file)).status == 0);
    for (const char* step :
         {"members add m-2 --name Bob", "badges assign 04B0B0B0 m-2", "rights grant m-2 laser-1"})
        REQUIRE(ledger.db_fabctl(step).status == 0);
    ledger.start();
    REQUIRE_MESSAGE(gate.logged("access list version 3 in force"), gate.log() << ledger.log());
    CHECK(gate.admits(bob));
    CHECK_MESSAGE(eventually([&] { return gate.outbox_rows() == 0; }),
                  "the ledger's acks, signed with the new key, are taken");

    // 3. The old key leaves the gates. What it signs now is refused, list or ack.
    gate.reload([&](nlohmann::json& config) {
        config["acl_public_key"] = new_public;
        config.erase("acl_public_keys");
    });
    REQUIRE(ledger.stop());
    SecureClient old_key_holder(broker.port(), ledger_login(broker), "fabledger");
    old_key_holder.subscribe(topic("laser-1", "sessions"));
    REQUIRE(old_key_holder.connect());
    const std::string mallory = "DEADBEEF";
    auto v4 = access_list("laser-1", 4, {alice, bob, mallory});
    v4.generated_at = now_ms();
    REQUIRE(old_key_holder.publish(topic("laser-1", "acl"), signed_by(v4, old_key), true));
    REQUIRE_MESSAGE(gate.logged("access list refused"), gate.log());
    CHECK(gate.log().find("does not trust") != std::string::npos);
    CHECK_FALSE(gate.admits(mallory));

    REQUIRE(gate.admits(bob));  // a session for the ledger, which is down
    REQUIRE(old_key_holder.wait(
        [&] { return !old_key_holder.on(topic("laser-1", "sessions")).empty(); }));
    auto session = decode_session(old_key_holder.on(topic("laser-1", "sessions")).back().payload);
    REQUIRE(session);
    REQUIRE(gate.outbox_rows() == 1);
    REQUIRE(old_key_holder.publish(topic("laser-1", "acks"), signed_ack({session->id}, old_key)));
    REQUIRE_MESSAGE(gate.logged("refused (1 so far)"), gate.log());
    CHECK(gate.outbox_rows() == 1);

    // The same list and ack signed with the new key are taken: the refusals were the key's.
    REQUIRE(old_key_holder.publish(topic("laser-1", "acks"), signed_ack({session->id}, new_key)));
    CHECK(eventually([&] { return gate.outbox_rows() == 0; }));
    REQUIRE(old_key_holder.publish(topic("laser-1", "acl"), signed_by(v4, new_key), true));
    REQUIRE_MESSAGE(gate.logged("access list version 4 in force"), gate.log());
    CHECK(gate.admits(mallory));
}

TEST_CASE("production broker: a gate whose machine is removed admits nobody, as if never added") {
    SecureBroker broker;
    RunningLab lab(broker);
    auto& gate = *lab.gate;
    REQUIRE(gate.admits(alice));

    auto removed = lab.ledger.db_fabctl("machines remove lab/laser-1 --yes");
    REQUIRE_MESSAGE(removed.status == 0, removed.output);
    REQUIRE_MESSAGE(gate.logged("access list version 2 in force"), gate.log() << lab.ledger.log());
    CHECK_FALSE(gate.admits(alice));
}

#pragma once
// What the tests of signed access lists on a gate share (replays, renewals, the high-water mark):
// a gate that trusts only the ledger's key, lists signed with it, and what the gate then holds.
#include <cstdint>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "gate/acl_high_water.hpp"
#include "sys/acl_signature.hpp"
#include "sys/log.hpp"

namespace fabgate::test {

// A gate that trusts only `ledger_key`, on the broker at `port`.
inline void write_signed_config(AppRig& rig, const acl_signature::KeyPair& ledger_key, int port) {
    std::ofstream(rig.config_path) << R"({"site": "lab", "machine": "laser-1",
        "broker": {"host": "127.0.0.1", "client_id": "gate-laser-1", "port": )"
                                   << port << R"(}, "journal": ")" << rig.journal() << R"(",
        "acl_public_keys": [")" << acl_signature::to_hex(ledger_key.public_key)
                                   << R"("],
        "hardware": {"kind": "sim", "reader": {"type": "sim"}, "inputs": {"interlocks": []}},
        "policy": {}})";
}

// A test broker and a gate, not yet started, that trusts only the ledger's signing `key`: the
// fixture of each TEST_CASE_FIXTURE on signed lists. Only errors are logged: the gate refuses
// lists on purpose.
struct SignedAclGate {
    TestBroker broker;
    acl_signature::KeyPair key = acl_signature::generate_keypair().value();
    AppRig rig;

    SignedAclGate() {
        log::set_threshold(log::Level::Error);
        write_signed_config(rig, key, broker.port());
    }
};

// Version `version` of the laser's list letting `badge` in, as the ledger holding `key` signs it.
inline std::string signed_access_list(const acl_signature::KeyPair& key, std::int64_t version,
                                      const char* badge, std::int64_t generated_at,
                                      std::int64_t valid_until) {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = version;
    list.generated_at = generated_at;
    list.valid_until = valid_until;
    AccessEntry entry;
    entry.member = std::string("member-") + badge;
    entry.role = Role::User;
    list.entries[Uid::parse(badge).value()] = entry;
    return acl_signature::signed_payload(list, key.secret_key);
}

// Starts the gate and returns once its subscriptions are in place. A state retained from the
// previous run does not count: this gate's first one follows its subscriptions.
inline void start_subscribed(AppRig& rig, LedgerSide& ledger) {
    REQUIRE(ledger.client.connect());
    rig.start();
    REQUIRE(pump_until(rig, ledger, [&] {
        for (const auto& heard : ledger.client.on(LedgerSide::topic("state")))
            if (!heard.retained) return true;
        return false;
    }));
}

// The version of the list the gate decides by; 0 without one.
inline std::int64_t version_in_force(const AppRig& rig) {
    const auto* list = rig.gate->machine().access_list();
    return list ? list->version : 0;
}

// The version the high-water mark beside the journal keeps; the test fails without a mark.
inline std::int64_t high_water_version(const AppRig& rig) {
    auto mark =
        read_acl_high_water(acl_high_water_path(rig.journal(), "lab", "laser-1"), "lab", "laser-1");
    REQUIRE(mark);
    REQUIRE(*mark);
    return (*mark)->version;
}

}  // namespace fabgate::test

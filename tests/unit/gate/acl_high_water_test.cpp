// A replayed, validly signed older access list is refused even by a gate whose journal was
// wiped: the highest version accepted is kept beside the journal, not in it.
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "gate/acl_high_water.hpp"
#include "sys/acl_signature.hpp"
#include "sys/log.hpp"
#include "test_support.hpp"

using namespace fabgate;
namespace sig = fabgate::acl_signature;
using test::AppRig;

namespace {

// A gate that trusts only `ledger_key`, on the broker at `port`.
void write_signed_config(AppRig& rig, const sig::KeyPair& ledger_key, int port) {
    std::ofstream(rig.config_path) << R"({"site": "lab", "machine": "laser-1",
        "broker": {"host": "127.0.0.1", "client_id": "gate-laser-1", "port": )"
                                   << port << R"(}, "journal": ")" << rig.journal() << R"(",
        "acl_public_keys": [")" << sig::to_hex(ledger_key.public_key)
                                   << R"("],
        "hardware": {"kind": "sim", "reader": {"type": "sim"}, "inputs": {"interlocks": []}},
        "policy": {}})";
}

// Version `version` of the laser's list, signed by the ledger and still valid for a day;
// `badge` may use the machine.
std::string signed_list(const AppRig& rig, const sig::KeyPair& ledger_key, std::int64_t version,
                        const char* badge) {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = version;
    list.generated_at = rig.clock.wall().unix_ms;
    list.valid_until = rig.clock.wall().unix_ms + 86'400'000;
    AccessEntry entry;
    entry.member = std::string("member-") + badge;
    entry.role = Role::User;
    list.entries[Uid::parse(badge).value()] = entry;
    return sig::signed_payload(list, ledger_key.secret_key);
}

std::int64_t version_in_force(const AppRig& rig) {
    const auto* list = rig.gate->machine().access_list();
    return list ? list->version : 0;
}

void wipe_journal(const AppRig& rig) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(rig.journal() + suffix);
}

// Starts the gate on the broker, offers it `payloads` in order, and returns the version then in
// force.
std::int64_t offer(AppRig& rig, test::TestBroker& broker,
                   const std::vector<std::string>& payloads) {
    test::LedgerSide ledger(broker.port());
    REQUIRE(ledger.client.connect());
    rig.start();
    // The previous run's retained state does not count: this gate's first one follows its
    // subscriptions.
    REQUIRE(test::pump_until(rig, ledger, [&] {
        for (const auto& heard : ledger.client.on(test::LedgerSide::topic("state")))
            if (!heard.retained) return true;
        return false;
    }));
    for (const auto& payload : payloads) REQUIRE(ledger.send("acl", payload));
    test::sync(rig, ledger);
    return version_in_force(rig);
}

}  // namespace

TEST_CASE("a gate whose journal was wiped refuses a signed list older than one it accepted") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    auto ledger_key = sig::generate_keypair().value();
    AppRig rig;
    write_signed_config(rig, ledger_key, broker.port());
    // Version 3 still lets B1 in; version 5 took B1's right away (a suspension).
    auto old_list = signed_list(rig, ledger_key, 3, "B1");
    CHECK(offer(rig, broker, {signed_list(rig, ledger_key, 5, "C3")}) == 5);

    rig.gate.reset();
    wipe_journal(rig);
    CHECK(offer(rig, broker, {old_list}) == 0);  // refused: no list in force at all
    rig.badge("B1");
    CHECK_FALSE(rig.outputs->relay);

    // The retained copy of the current version, and newer ones, are still taken. (Version 6
    // changes the content: a mere renewal would leave the mark with the journal's copy.)
    rig.gate.reset();
    CHECK(offer(rig, broker,
                {signed_list(rig, ledger_key, 5, "C3"), signed_list(rig, ledger_key, 6, "D4")}) ==
          6);
    auto mark =
        read_acl_high_water(acl_high_water_path(rig.journal(), "lab", "laser-1"), "lab", "laser-1");
    REQUIRE(mark);
    REQUIRE(*mark);
    CHECK((*mark)->version == 6);
}

TEST_CASE("a corrupt or foreign high-water mark is ignored: the journal's version still guards") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    auto ledger_key = sig::generate_keypair().value();
    AppRig rig;
    write_signed_config(rig, ledger_key, broker.port());
    auto old_list = signed_list(rig, ledger_key, 3, "B1");
    CHECK(offer(rig, broker, {signed_list(rig, ledger_key, 5, "C3")}) == 5);
    rig.gate.reset();

    const auto path = acl_high_water_path(rig.journal(), "lab", "laser-1");
    for (const char* damage : {"garbage\n",
                               "fabgate acl high-water 1\ngate lab/mill-1\nversion "
                               "2\nissued_at 0\n"}) {
        std::ofstream(path) << damage;
        CHECK_FALSE(read_acl_high_water(path, "lab", "laser-1"));
        // The gate starts; the journal's cached version 5 still refuses version 3.
        CHECK(offer(rig, broker, {old_list}) == 5);
        rig.gate.reset();
    }
    // A list accepted afterwards writes a good mark again.
    CHECK(offer(rig, broker, {signed_list(rig, ledger_key, 7, "C3")}) == 7);
    auto mark = read_acl_high_water(path, "lab", "laser-1");
    REQUIRE(mark);
    REQUIRE(*mark);
    CHECK((*mark)->version == 7);
}

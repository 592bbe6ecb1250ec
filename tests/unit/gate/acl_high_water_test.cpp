// A replayed, validly signed older access list is refused even by a gate whose journal was
// wiped: the highest version accepted is kept beside the journal, not in it.
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "signed_acl_rig.hpp"

using namespace fabgate;
namespace sig = fabgate::acl_signature;
using test::AppRig;
using test::version_in_force;
using test::write_signed_config;

namespace {

// Version `version` of the laser's list, signed by the ledger and still valid for a day;
// `badge` may use the machine.
std::string signed_list(const AppRig& rig, const sig::KeyPair& ledger_key, std::int64_t version,
                        const char* badge) {
    auto now = rig.clock.wall().unix_ms;
    return test::signed_access_list(ledger_key, version, badge, now, now + 86'400'000);
}

void wipe_journal(const AppRig& rig) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(rig.journal() + suffix);
}

// Starts the gate on the broker, offers it `payloads` in order, and returns the version then in
// force.
std::int64_t offer(AppRig& rig, test::TestBroker& broker,
                   const std::vector<std::string>& payloads) {
    test::LedgerSide ledger(broker.port());
    test::start_subscribed(rig, ledger);
    for (const auto& payload : payloads) REQUIRE(ledger.send("acl", payload));
    test::sync(rig, ledger);
    return version_in_force(rig);
}

}  // namespace

TEST_CASE_FIXTURE(
    test::SignedAclGate,
    "a gate whose journal was wiped refuses a signed list older than one it accepted") {
    // Version 3 still lets B1 in; version 5 took B1's right away (a suspension).
    auto old_list = signed_list(rig, key, 3, "B1");
    CHECK(offer(rig, broker, {signed_list(rig, key, 5, "C3")}) == 5);

    rig.gate.reset();
    wipe_journal(rig);
    CHECK(offer(rig, broker, {old_list}) == 0);  // refused: no list in force at all
    rig.badge("B1");
    CHECK_FALSE(rig.outputs->relay);

    // The retained copy of the current version, and newer ones, are still taken. (Version 6
    // changes the content: a mere renewal would leave the mark with the journal's copy.)
    rig.gate.reset();
    CHECK(offer(rig, broker, {signed_list(rig, key, 5, "C3"), signed_list(rig, key, 6, "D4")}) ==
          6);
    CHECK(test::high_water_version(rig) == 6);
}

TEST_CASE_FIXTURE(
    test::SignedAclGate,
    "a corrupt or foreign high-water mark is ignored: the journal's version still guards") {
    auto old_list = signed_list(rig, key, 3, "B1");
    CHECK(offer(rig, broker, {signed_list(rig, key, 5, "C3")}) == 5);
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
    CHECK(offer(rig, broker, {signed_list(rig, key, 7, "C3")}) == 7);
    CHECK(test::high_water_version(rig) == 7);
}

// The ledger reissues an unchanged list every hour. A renewal keeps the gate's list fresh in
// memory, but rewrites neither the journal's cached copy nor the high-water mark (both fsynced
// to the SD card) until the cached copy lags by a quarter of what the gate may run on; a content
// change, or a skipped version, is written at once. A restart still takes the cached copy.
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "gate/acl_renewal.hpp"
#include "signed_acl_rig.hpp"

using namespace fabgate;
namespace sig = fabgate::acl_signature;
using test::AppRig;
using test::write_signed_config;

namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kWeek = 7 * 24 * kHour;

// Version `version` of the laser's list letting `badge` in, issued `hours` after the rig's
// clock (the ledger's clock runs on; the gate's is the rig's) and valid for a week, as the
// ledger issues it.
std::string signed_list(const AppRig& rig, const sig::KeyPair& key, std::int64_t version,
                        std::int64_t hours, const char* badge) {
    auto issued = rig.clock.wall().unix_ms + hours * kHour;
    return test::signed_access_list(key, version, badge, issued, issued + kWeek);
}

struct Gate {
    AppRig& rig;
    test::LedgerSide ledger;

    Gate(AppRig& r, test::TestBroker& broker) : rig(r), ledger(broker.port()) {
        test::start_subscribed(rig, ledger);
    }
    void offer(const std::string& payload) { journal_writes({payload}); }
    // Offers `payloads` in order and returns the journal commits they cost: test::sync's lock
    // and unlock commands cost two of their own.
    std::uint64_t journal_writes(const std::vector<std::string>& payloads) {
        auto before = rig.gate->journal().commits();
        for (const auto& payload : payloads) REQUIRE(ledger.send("acl", payload));
        test::sync(rig, ledger);
        return rig.gate->journal().commits() - before - 2;
    }
    std::int64_t cached_version() const {
        auto cached = rig.gate->journal().load_access_list();
        REQUIRE(cached);
        REQUIRE(*cached);
        return (*cached)->version;
    }
    std::int64_t version() const { return test::version_in_force(rig); }
    std::int64_t generated_at() const { return rig.gate->machine().access_list()->generated_at; }
    std::int64_t mark() const { return test::high_water_version(rig); }
};

}  // namespace

TEST_CASE_FIXTURE(test::SignedAclGate,
                  "a day of hourly renewals writes neither the journal nor the high-water mark") {
    Gate gate(rig, broker);
    CHECK(gate.journal_writes({signed_list(rig, key, 1, 0, "A1")}) == 1);
    REQUIRE(gate.version() == 1);
    std::vector<std::string> day;
    for (std::int64_t v = 2; v <= 25; ++v) day.push_back(signed_list(rig, key, v, v - 1, "A1"));
    CHECK(gate.journal_writes(day) == 0);
    // In force, and fresh: the gate judges its age from the newest renewal.
    CHECK(gate.version() == 25);
    CHECK(gate.generated_at() == rig.clock.wall().unix_ms + 24 * kHour);
    CHECK(gate.cached_version() == 1);
    CHECK(gate.mark() == 1);

    SUBCASE("a content change is written at once") {
        CHECK(gate.journal_writes({signed_list(rig, key, 26, 25, "B2")}) == 1);
        CHECK(gate.version() == 26);
        CHECK(gate.cached_version() == 26);
        CHECK(gate.mark() == 26);
    }
    SUBCASE("a renewal after a skipped version is written: the skipped one may differ") {
        CHECK(gate.journal_writes({signed_list(rig, key, 27, 25, "A1")}) == 1);
        CHECK(gate.version() == 27);
        CHECK(gate.cached_version() == 27);
        CHECK(gate.mark() == 27);
    }
    SUBCASE("the cached copy is renewed once it lags by a quarter of the list's week") {
        std::vector<std::string> more;
        for (std::int64_t v = 26; v <= 42; ++v)
            more.push_back(signed_list(rig, key, v, v - 1, "A1"));
        CHECK(gate.journal_writes(more) == 0);  // 41 hours behind: not yet
        // 42 hours = 7 days / 4
        CHECK(gate.journal_writes({signed_list(rig, key, 43, 42, "A1")}) == 1);
        CHECK(gate.cached_version() == 43);
        CHECK(gate.mark() == 43);
    }
}

TEST_CASE_FIXTURE(
    test::SignedAclGate,
    "after skipped renewals, a restarted gate takes its cached copy, refusing older ones") {
    auto old_list = signed_list(rig, key, 1, 0, "A1");
    {
        Gate gate(rig, broker);
        gate.offer(old_list);
        gate.offer(signed_list(rig, key, 2, 1, "B2"));  // A1's right taken away
        for (std::int64_t v = 3; v <= 6; ++v) gate.offer(signed_list(rig, key, v, v - 1, "B2"));
        REQUIRE(gate.version() == 6);
    }
    rig.gate.reset();
    Gate gate(rig, broker);
    CHECK(gate.version() == 2);  // the cached copy, not refused as older than the mark
    gate.offer(old_list);
    CHECK(gate.version() == 2);
    rig.badge("A1");
    CHECK_FALSE(rig.outputs->relay);
    rig.badge("B2");
    CHECK(rig.outputs->relay);
}

TEST_CASE("a list whose entry differs from the one in force in any field is not a renewal") {
    AccessList current;
    current.site = "lab";
    current.machine = "laser-1";
    current.version = 7;
    current.generated_at = 1'767'225'600'000;
    current.valid_until = current.generated_at + kWeek;
    AccessEntry entry;
    entry.member = "m-17";
    entry.name = "Alice";
    entry.member_until = current.generated_at + kWeek;
    entry.role = Role::User;
    entry.right_until = current.generated_at + kWeek;
    const auto badge = Uid::parse("04A1B2C3").value();
    current.entries[badge] = entry;
    auto renewal = current;
    renewal.version = 8;
    renewal.generated_at += kHour;
    renewal.valid_until = renewal.generated_at + kWeek;
    REQUIRE(renews_in_force(current, renewal));

    // Naming every field stops this compiling when one is added, until it gets a case here.
    for (int field = 0; field < 6; ++field) {
        auto next = renewal;
        auto& [member, name, suspended, member_until, role, right_until] = next.entries.at(badge);
        switch (field) {
            case 0:
                member = "m-18";
                break;
            case 1:
                name = "Bob";
                break;
            case 2:
                suspended = true;
                break;
            case 3:
                member_until.reset();
                break;
            case 4:
                role = Role::Maintainer;
                break;
            default:
                right_until.reset();
                break;
        }
        CAPTURE(field);
        CHECK_FALSE(renews_in_force(current, next));
    }
}

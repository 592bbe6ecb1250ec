// A gate cut off from the ledger: once its list is past valid_until (or older than the gate's
// acl_max_age_s), it starts no new session, or only supervisors' when configured, and never
// cuts a session already running.
#include <doctest/doctest.h>

#include "gate_fixture.hpp"

using namespace fabgate;
using namespace fabgate::testing;

namespace {

constexpr std::int64_t kHour = 3600;

// The fixture's list, reissued with a validity ending in one hour.
void valid_for_an_hour(Gate& g) {
    auto list = std::make_shared<AccessList>(*g.machine->access_list());
    list->version += 1;
    list->valid_until = g.clock.wall().unix_ms + kHour * 1000;
    g.machine->set_access_list(list);
}

}  // namespace

TEST_CASE("past valid_until no one starts a session; a running one goes on and ends normally") {
    Gate g;
    valid_for_an_hour(g);
    REQUIRE(g.badge("A1").granted);  // alice starts while the list is valid
    g.advance_s(2 * kHour);          // the network is gone; the list is now stale
    CHECK(g.outputs.relay);          // her session is not cut
    auto bob = g.badge("B2");        // a takeover attempt is a new session: refused
    CHECK(bob.denied == DenyReason::AccessListStale);
    CHECK(g.outputs.relay);
    CHECK(g.badge("A1").granted);  // alice badges out as usual
    CHECK_FALSE(g.outputs.relay);
    REQUIRE(g.listener.ended.size() == 1);
    CHECK(g.listener.ended[0].end_reason == EndReason::BadgeOut);
    CHECK(g.badge("A1").denied == DenyReason::AccessListStale);
    CHECK(g.badge("5C").denied == DenyReason::AccessListStale);  // supervisors too, by default
    CHECK(g.listener.events.back().reason == "access_list_stale");
}

TEST_CASE("with stale_acl supervisors, supervisors and maintainers still get in") {
    MachinePolicy policy;
    policy.stale_acl_supervisors = true;
    Gate g(policy);
    valid_for_an_hour(g);
    g.advance_s(2 * kHour);
    CHECK(g.badge("A1").denied == DenyReason::AccessListStale);
    CHECK(g.badge("5C").granted);
    CHECK(g.badge("5C").granted);  // badge out
    CHECK(g.badge("3A").granted);
}

TEST_CASE("the gate's own acl_max_age_s limits a list even without valid_until") {
    MachinePolicy policy;
    policy.acl_max_age_s = kMinAclMaxAgeS;
    Gate g(policy);  // its list has no valid_until
    CHECK(g.badge("A1").granted);
    CHECK(g.badge("A1").granted);  // out
    g.advance_s(kMinAclMaxAgeS + kHour);
    CHECK(g.badge("A1").denied == DenyReason::AccessListStale);
}

TEST_CASE("a connected gate with the shortest acl_max_age_s keeps admitting: lists are reissued") {
    // 3 hours, where a list once went 3.5 days without renewal and locked online gates out.
    MachinePolicy policy;
    policy.acl_max_age_s = kMinAclMaxAgeS;
    Gate g(policy);
    // The slowest ledger a valid config allows: reissue every kMaxAclReissueS, noticed at a
    // refresh tick just as far apart, with the first list issued one step after a tick (as a
    // change picked up by the ledger's poll is): it is not due at the next tick, only at the one
    // after, nearly two intervals later.
    constexpr std::int64_t kTick = kMaxAclReissueS;
    constexpr std::int64_t kStep = 60;
    auto list = std::make_shared<AccessList>(*g.machine->access_list());
    list->version += 1;
    list->generated_at = g.clock.wall().unix_ms;
    g.machine->set_access_list(list);
    std::int64_t since_tick = kStep;
    int reissued = 0;
    for (std::int64_t elapsed = 0; elapsed < 4 * 24 * kHour; elapsed += kStep) {
        g.advance_s(kStep);
        since_tick += kStep;
        if (since_tick >= kTick) {
            since_tick -= kTick;
            auto now = g.clock.wall().unix_ms;
            if (list_due_for_reissue(list->generated_at, kMaxAclReissueS, now)) {
                auto next = std::make_shared<AccessList>(*list);
                next->version += 1;
                next->generated_at = now;
                g.machine->set_access_list(next);
                list = next;
                ++reissued;
            }
        }
        auto in = g.badge("A1");
        REQUIRE_MESSAGE(in.granted, "refused after ", elapsed / kHour, " h");
        REQUIRE(g.badge("A1").granted);  // out
    }
    CHECK(reissued >= 4 * 24 - 1);
}

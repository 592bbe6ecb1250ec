// Who the gate lets in, and what a member or a manager is told: rights, denials, takeover,
// remote commands.
#include <doctest/doctest.h>

#include "gate_fixture.hpp"

using namespace fabgate;
using namespace fabgate::testing;

TEST_CASE("the relay is off from the start, whatever the hardware did") {
    Gate g;
    CHECK_FALSE(g.outputs.relay);
    CHECK_FALSE(g.outputs.after_run);
    CHECK(g.state() == MachineState::Idle);
    CHECK(g.outputs.signals.back() == Indication::Ready);
}

TEST_CASE("a trained member badges in and out: one metered session from badge to badge") {
    Gate g;
    auto in = g.badge("A1");
    CHECK(in.granted);
    CHECK(g.outputs.relay);
    REQUIRE(g.listener.started.size() == 1);
    CHECK(g.listener.started[0].member == "alice");
    CHECK(g.state() == MachineState::InUse);
    g.advance_s(90);
    auto out = g.badge("A1");
    CHECK(out.granted);
    CHECK_FALSE(g.outputs.relay);
    REQUIRE(g.listener.ended.size() == 1);
    const auto& s = g.listener.ended[0];
    CHECK(s.id == g.listener.started[0].id);
    CHECK(s.end_reason == EndReason::BadgeOut);
    CHECK(s.powered_ms == 90'000);
    CHECK_FALSE(s.active_ms.has_value());  // no busy input on this machine
    CHECK(s.ended_at - s.started_at == 90'000);
    CHECK(s.clock_synced);
    CHECK(g.state() == MachineState::Idle);
}

TEST_CASE("every denial reason is told to the member and published as an event") {
    Gate g;
    auto check_denied = [&](const char* u, DenyReason expected, EventKind kind) {
        bool relay_before = g.outputs.relay;
        auto outcome = g.badge(u);
        CHECK_FALSE(outcome.granted);
        REQUIRE(outcome.denied.has_value());
        CHECK(*outcome.denied == expected);
        CHECK(g.outputs.signals.back() == Indication::Denied);
        CHECK(g.listener.events.back().reason == to_string(expected));
        CHECK(g.listener.events.back().kind == kind);
        CHECK(g.outputs.relay == relay_before);  // a refusal never switches anything
    };
    check_denied("DEADBEEF", DenyReason::UnknownBadge, EventKind::UnknownBadge);
    check_denied("55", DenyReason::Suspended, EventKind::Denied);
    check_denied("EE", DenyReason::MembershipExpired, EventKind::Denied);
    check_denied("0E", DenyReason::NotTrained, EventKind::Denied);
    check_denied("7A", DenyReason::TrainingExpired, EventKind::Denied);

    g.machine->command({CommandKind::Lock, "fabmanager", "mirror alignment"});
    check_denied("A1", DenyReason::Maintenance, EventKind::Denied);
    g.machine->command({CommandKind::Unlock, "fabmanager", ""});

    g.machine->input_changed(InputKind::Interlock, "lid", true);
    check_denied("A1", DenyReason::Fault, EventKind::Denied);
    g.machine->input_changed(InputKind::Interlock, "lid", false);

    CHECK(g.badge("A1").granted);
    check_denied("B2", DenyReason::InUse, EventKind::Denied);
    CHECK(g.listener.started.size() == 1);
}

TEST_CASE("no access list yet means no one gets in") {
    FakeClock clock;
    RecordingOutputs out;
    RecordingListener listener;
    CountingIds ids;
    GateMachine m("lab", "laser-1", {}, clock, out, listener, ids);
    auto outcome = m.badge(uid("A1"));
    CHECK(outcome.denied == DenyReason::NoAccessList);
    CHECK_FALSE(out.relay);
}

TEST_CASE("a gate whose clock booted in the past still refuses an expired training") {
    Gate g;
    // The Pi's clock says 2001, but the access list was generated in 2026.
    g.clock.set_wall_base(978'307'200'000 - g.clock.monotonic(), /*synchronised=*/false);
    CHECK(g.badge("7A").denied == DenyReason::TrainingExpired);
    CHECK(g.badge("A1").granted);
    g.advance_s(10);
    g.badge("A1");
    CHECK_FALSE(g.listener.ended.back().clock_synced);
}

TEST_CASE("a start time taken before NTP is corrected once the clock is synchronised") {
    Gate g;
    UnixMs real_start = g.clock.wall().unix_ms;
    g.clock.set_wall_base(978'307'200'000 - g.clock.monotonic(), false);
    g.badge("A1");
    g.advance_s(60);
    g.clock.set_wall_base(real_start + 60'000 - g.clock.monotonic(), true);  // NTP step
    g.advance_s(60);
    g.badge("A1");
    const auto& s = g.listener.ended.back();
    CHECK(s.clock_synced);
    CHECK(s.started_at == real_start);
    CHECK(s.ended_at == real_start + 120'000);
}

TEST_CASE("the journal cannot record: the badge is refused and the relay stays off") {
    Gate g;
    g.listener.journal_fails = true;
    auto outcome = g.badge("A1");
    CHECK(outcome.denied == DenyReason::JournalError);
    CHECK_FALSE(g.outputs.relay);
}

TEST_CASE("takeover rules") {
    SUBCASE("deny: nobody takes over") {
        MachinePolicy p;
        p.takeover = TakeoverRule::Deny;
        Gate g(p);
        g.badge("A1");
        CHECK(g.badge("5C").denied == DenyReason::InUse);
    }
    SUBCASE("supervisors only") {
        Gate g;
        g.badge("A1");
        CHECK(g.badge("B2").denied == DenyReason::InUse);
        g.advance_s(30);
        int switches_before = g.outputs.relay_switches;
        auto outcome = g.badge("5C");
        CHECK(outcome.granted);
        REQUIRE(g.listener.ended.size() == 1);
        CHECK(g.listener.ended[0].end_reason == EndReason::Takeover);
        CHECK(g.listener.ended[0].ended_by == "5C");
        CHECK(g.listener.ended[0].powered_ms == 30'000);
        CHECK(g.listener.started.back().member == "sam");
        CHECK(g.outputs.relay);
        CHECK(g.outputs.relay_switches == switches_before);  // power is never cut during a takeover
    }
    SUBCASE("anyone authorised") {
        MachinePolicy p;
        p.takeover = TakeoverRule::Anyone;
        Gate g(p);
        g.badge("A1");
        CHECK(g.badge("B2").granted);
        CHECK(g.listener.ended.at(0).end_reason == EndReason::Takeover);
        CHECK(g.badge("0E").denied == DenyReason::NotTrained);  // authorised still means trained
    }
}

TEST_CASE("remote commands: end session, lock for maintenance, maintainers still get in") {
    Gate g;
    g.badge("A1");
    g.machine->command({CommandKind::EndSession, "fabmanager", ""});
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::Remote);
    CHECK(g.listener.ended.at(0).ended_by == "fabmanager");

    g.badge("3A");  // maintainer at work on an unlocked machine
    g.machine->command({CommandKind::Lock, "fabmanager", "new tube"});
    CHECK(g.outputs.relay);  // a maintainer's session survives the lock
    g.badge("3A");
    CHECK(g.state() == MachineState::Maintenance);
    CHECK(g.machine->status().detail == "locked by fabmanager: new tube");
    CHECK(g.badge("3A").granted);
    g.badge("3A");
    g.machine->command({CommandKind::Unlock, "fabmanager", ""});
    CHECK(g.badge("A1").granted);
}

TEST_CASE("a revoked right reaches a running session") {
    Gate g;
    g.badge("A1");
    auto list = std::make_shared<AccessList>(*g.machine->access_list());
    list->version = 2;
    list->entries[uid("A1")].suspended = true;
    g.machine->set_access_list(list);
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::Remote);
    CHECK(g.listener.ended.at(0).ended_by == "access revoked");
}

namespace {
// The list the ledger issues next, a minute into the session, with `change` made to A1's entry.
template <typename Change>
void next_list_changing_a1(Gate& g, Change change) {
    g.clock.advance(60'000);
    auto list = std::make_shared<AccessList>(*g.machine->access_list());
    list->version += 1;
    list->generated_at = g.clock.wall().unix_ms;
    change(list->entries[uid("A1")]);
    g.machine->set_access_list(list);
}
constexpr std::int64_t kDayMs = 86'400'000;
}  // namespace

TEST_CASE("a revoked right ends the session even when an expired right keeps the badge listed") {
    // The ledger lists a member's best right on the machine or its group: revoking the valid
    // machine right leaves last year's expired group right, so the badge stays in the list.
    Gate g;
    g.badge("A1");
    const UnixMs last_year = g.clock.wall().unix_ms - 365 * kDayMs;
    next_list_changing_a1(g, [&](AccessEntry& e) { e.right_until = last_year; });
    CHECK_FALSE(g.outputs.relay);
    REQUIRE(g.listener.ended.size() == 1);
    CHECK(g.listener.ended[0].ended_by == "access revoked");
}

TEST_CASE("a membership cut short to before the session ends it") {
    Gate g;
    g.badge("A1");
    const UnixMs yesterday = g.clock.wall().unix_ms - kDayMs;
    next_list_changing_a1(g, [&](AccessEntry& e) { e.member_until = yesterday; });
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.listener.ended.size() == 1);
}

TEST_CASE("a training that expires during the session does not cut it") {
    Gate g;
    const UnixMs in_ninety_seconds = g.clock.wall().unix_ms + 90'000;
    next_list_changing_a1(g, [&](AccessEntry& e) { e.right_until = in_ninety_seconds; });
    g.badge("A1");
    next_list_changing_a1(g, [](AccessEntry&) {});  // the hourly reissue, a minute later
    CHECK(g.outputs.relay);
    CHECK(g.listener.ended.empty());
    CHECK(g.badge("B2").denied == DenyReason::InUse);
}

TEST_CASE("a lock ends the session of a maintainer demoted since the session began") {
    Gate g;
    g.badge("3A");
    auto demoted = std::make_shared<AccessList>(*g.machine->access_list());
    demoted->version += 1;
    demoted->entries[uid("3A")].role = Role::User;
    g.machine->set_access_list(demoted);
    CHECK(g.outputs.relay);  // a user may still run an unlocked machine
    g.machine->command({CommandKind::Lock, "maria", "new lens"});
    CHECK_FALSE(g.outputs.relay);
    REQUIRE(g.listener.ended.size() == 1);
    CHECK(g.listener.ended[0].ended_by == "maria");
}

// A running session: timeouts, finishing, after-run, faults, checkpoints, reload and
// shutdown.
#include <doctest/doctest.h>

#include "gate_fixture.hpp"

using namespace fabgate;
using namespace fabgate::testing;

namespace {
MachinePolicy with_busy() {
    MachinePolicy p;
    p.has_busy_input = true;
    return p;
}
// An exhaust or chiller on the after-run output, kept on 300 s after the relay goes off.
MachinePolicy with_after_run() {
    MachinePolicy p;
    p.after_run_s = 300;
    return p;
}
}  // namespace

TEST_CASE("idle timeout warns, then ends the session; activity resets it") {
    auto p = with_busy();
    p.idle_timeout_s = 600;
    p.idle_warning_s = 60;
    Gate g(p);
    g.badge("A1");
    g.advance_s(500);
    g.machine->input_changed(InputKind::Busy, "busy", true);
    g.advance_s(1000);  // busy: never idle
    CHECK(g.outputs.relay);
    g.machine->input_changed(InputKind::Busy, "busy", false);
    g.advance_s(539);
    CHECK(g.outputs.signals.back() == Indication::InUse);
    g.advance_s(1);
    CHECK(g.outputs.signals.back() == Indication::IdleWarning);
    CHECK(g.outputs.relay);
    g.advance_s(60);
    CHECK_FALSE(g.outputs.relay);
    REQUIRE(g.listener.ended.size() == 1);
    const auto& s = g.listener.ended[0];
    CHECK(s.end_reason == EndReason::IdleTimeout);
    CHECK(s.powered_ms == 2'100'000);
    CHECK(s.active_ms == 1'000'000);
}

TEST_CASE("busy again during the warning cancels it") {
    auto p = with_busy();
    p.idle_timeout_s = 600;
    p.idle_warning_s = 60;
    Gate g(p);
    g.badge("A1");
    g.advance_s(550);
    CHECK(g.outputs.signals.back() == Indication::IdleWarning);
    g.machine->input_changed(InputKind::Busy, "busy", true);
    CHECK(g.outputs.signals.back() == Indication::InUse);
    g.machine->input_changed(InputKind::Busy, "busy", false);
    g.advance_s(539);
    CHECK(g.outputs.relay);
    CHECK(g.outputs.signals.back() == Indication::InUse);
}

TEST_CASE("maximum session length ends the session") {
    MachinePolicy p;
    p.max_session_s = 3600;
    p.idle_warning_s = 120;
    Gate g(p);
    g.badge("A1");
    g.advance_s(3480);
    CHECK(g.outputs.signals.back() == Indication::IdleWarning);
    g.advance_s(120);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::MaxDuration);
    CHECK(g.listener.ended.at(0).powered_ms == 3'600'000);
}

TEST_CASE("a printer keeps power after badge-out until the print ends") {
    auto p = with_busy();
    p.keep_power_while_busy = true;
    p.finish_idle_s = 30;
    Gate g(p);
    g.badge("A1");
    g.machine->input_changed(InputKind::Busy, "busy", true);
    g.advance_s(600);
    g.badge("A1");  // badge out mid-print
    CHECK(g.outputs.relay);
    CHECK(g.state() == MachineState::Finishing);
    CHECK(g.outputs.signals.back() == Indication::Finishing);
    CHECK(g.badge("B2").denied == DenyReason::InUse);  // still someone's job
    g.advance_s(3000);
    g.machine->input_changed(InputKind::Busy, "busy", false);  // print done
    g.advance_s(10);
    g.machine->input_changed(InputKind::Busy, "busy", true);  // heater blip: not done
    g.machine->input_changed(InputKind::Busy, "busy", false);
    g.advance_s(29);
    CHECK(g.outputs.relay);
    g.advance_s(1);
    CHECK_FALSE(g.outputs.relay);
    const auto& s = g.listener.ended.at(0);
    CHECK(s.end_reason == EndReason::BadgeOut);
    CHECK(s.powered_ms == 3'640'000);
    CHECK(s.active_ms == 3'600'000);  // the 0 s blip adds nothing
}

TEST_CASE("finishing is cut at the finish limit") {
    auto p = with_busy();
    p.keep_power_while_busy = true;
    p.finish_limit_s = 7200;
    Gate g(p);
    g.badge("A1");
    g.machine->input_changed(InputKind::Busy, "busy", true);
    g.badge("A1");
    g.advance_s(7199);
    CHECK(g.outputs.relay);
    g.advance_s(1);
    CHECK_FALSE(g.outputs.relay);
}

TEST_CASE("the owner badging again while finishing resumes the session") {
    auto p = with_busy();
    p.keep_power_while_busy = true;
    Gate g(p);
    g.badge("A1");
    g.machine->input_changed(InputKind::Busy, "busy", true);
    g.badge("A1");
    CHECK(g.state() == MachineState::Finishing);
    CHECK(g.badge("A1").note == "resumed");
    CHECK(g.state() == MachineState::InUse);
    CHECK(g.listener.ended.empty());
}

TEST_CASE("after-run output keeps the exhaust going after the relay switches off") {
    MachinePolicy p;
    p.after_run_s = 300;
    Gate g(p);
    g.badge("A1");
    CHECK(g.outputs.after_run);
    g.advance_s(60);
    g.badge("A1");
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.outputs.after_run);
    g.advance_s(299);
    CHECK(g.outputs.after_run);
    g.advance_s(1);
    CHECK_FALSE(g.outputs.after_run);
}

TEST_CASE("a takeover the journal refuses still stops the exhaust after its after-run time") {
    auto p = with_after_run();
    p.takeover = TakeoverRule::Anyone;
    Gate g(p);
    g.badge("A1");
    g.listener.journal_fails = true;
    CHECK(g.badge("B2").denied == DenyReason::JournalError);
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.outputs.after_run);
    g.advance_s(300);
    CHECK_FALSE(g.outputs.after_run);
}

TEST_CASE("an after-run removed by a reload still stops the exhaust a session started") {
    Gate g(with_after_run());
    g.badge("A1");
    g.badge("A1");  // the exhaust runs 300 s more
    g.machine->set_policy(MachinePolicy{});
    g.advance_s(10);
    g.badge("A1");  // a session under the reloaded policy, without after-run
    g.advance_s(400);
    g.badge("A1");
    g.advance_s(1000);
    CHECK_FALSE(g.outputs.after_run);
}

TEST_CASE("an interlock opening ends the session and blocks the machine until closed") {
    Gate g;
    g.badge("A1");
    g.machine->input_changed(InputKind::Interlock, "lid", true);
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::Interlock);
    CHECK(g.listener.ended.at(0).ended_by == "lid");
    CHECK(g.state() == MachineState::Fault);
    CHECK(g.machine->status().detail == "lid open");
    g.machine->input_changed(InputKind::Interlock, "lid", false);
    CHECK(g.state() == MachineState::Idle);
}

TEST_CASE("a lost GPIO device faults the machine; a lost reader only stops new badges") {
    Gate g;
    g.badge("A1");
    g.machine->device_fault("reader", true, "unplugged");
    CHECK(g.outputs.relay);  // a running job is not cut for a reader
    CHECK(g.machine->status().detail == "badge reader lost");
    g.machine->device_fault("gpio:busy", true, "chip gone");
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::Fault);
    CHECK(g.state() == MachineState::Fault);
    g.machine->device_fault("gpio:busy", false, "");
    g.machine->device_fault("reader", false, "");
    CHECK(g.state() == MachineState::Idle);
}

TEST_CASE("card must stay on the reader") {
    MachinePolicy p;
    p.session_end = SessionEndMode::CardPresent;
    Gate g(p);
    g.badge("A1");
    g.badge("A1");  // the reader sees it again: nothing happens
    CHECK(g.outputs.relay);
    g.advance_s(45);
    g.machine->badge_removed();
    CHECK_FALSE(g.outputs.relay);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::CardRemoved);
    CHECK(g.listener.ended.at(0).powered_ms == 45'000);
}

TEST_CASE("shutdown ends the session and switches every output off") {
    MachinePolicy p;
    p.after_run_s = 300;
    Gate g(p);
    g.badge("A1");
    g.machine->shutdown();
    CHECK_FALSE(g.outputs.relay);
    CHECK_FALSE(g.outputs.after_run);
    CHECK(g.listener.ended.at(0).end_reason == EndReason::Shutdown);
}

TEST_CASE("an open session is checkpointed for power-loss recovery") {
    auto p = with_busy();
    p.checkpoint_s = 30;
    Gate g(p);
    g.badge("A1");
    g.machine->input_changed(InputKind::Busy, "busy", true);
    g.advance_s(95);
    REQUIRE(g.listener.checkpoints.size() == 3);
    CHECK(g.listener.checkpoints[2].powered_ms == 90'000);
    CHECK(g.listener.checkpoints[2].active_ms == 90'000);
    CHECK(g.listener.checkpoints[2].id == g.listener.started[0].id);
}

TEST_CASE("no deadline at all while idle: the gate sleeps") {
    Gate g;
    CHECK_FALSE(g.machine->next_deadline().has_value());
}

TEST_CASE("machine state is published on every change, with who and since when") {
    Gate g;
    g.badge("A1");
    const auto& st = g.listener.statuses.back();
    CHECK(st.state == MachineState::InUse);
    CHECK(st.member == "alice");
    CHECK(st.name == "alice");
    CHECK(st.session == g.listener.started[0].id);
    CHECK(st.acl_version == 1);
}

TEST_CASE("a reload applies to the next session; the running one keeps its policy") {
    // A laser cutter without a busy input, no idle timeout: Alice's job runs as long as she
    // stays. A reload then adds a busy input and a 5-minute idle timeout.
    MachinePolicy before;
    before.idle_timeout_s = 0;
    before.has_busy_input = false;
    Gate g(before);
    REQUIRE(g.badge("A1").granted);
    MachinePolicy after = before;
    after.idle_timeout_s = 300;
    after.idle_warning_s = 60;
    after.has_busy_input = true;
    g.machine->set_policy(after);
    g.advance_s(3600);
    CHECK(g.outputs.relay);
    CHECK(g.listener.ended.empty());
    CHECK(g.state() == MachineState::InUse);
    REQUIRE(g.badge("A1").granted);  // badge out
    REQUIRE(g.listener.ended.size() == 1);
    CHECK(g.listener.ended[0].end_reason == EndReason::BadgeOut);
    CHECK_FALSE(g.listener.ended[0].active_ms.has_value());  // metered as it started

    // The next session runs under the reloaded policy.
    REQUIRE(g.badge("B2").granted);
    CHECK(g.listener.started.back().active_ms.has_value());
    g.advance_s(301);
    REQUIRE(g.listener.ended.size() == 2);
    CHECK(g.listener.ended[1].end_reason == EndReason::IdleTimeout);
}

TEST_CASE("a lost LED or buzzer degrades the gate and is reported, and never ends a job") {
    Gate g;
    REQUIRE(g.badge("A1").granted);
    g.machine->device_fault("indicator:buzzer", true, "line lost");
    CHECK(g.outputs.relay);
    CHECK(g.listener.ended.empty());
    CHECK(g.state() == MachineState::InUse);
    CHECK(g.machine->status().detail == "buzzer lost");
    CHECK(g.listener.statuses.back().detail == "buzzer lost");  // published
    REQUIRE(g.badge("A1").granted);                             // badge out as usual
    CHECK(g.badge("B2").granted);                               // and the next member still gets in
    g.machine->device_fault("indicator:buzzer", false, "");
    CHECK(g.machine->status().detail == "");
}

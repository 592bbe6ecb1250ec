#pragma once
// One valid, fully filled session (every optional field present), for the tests of what reads,
// hashes or stores sessions. Header-only: core and ledger tests are separate programs.
#include "core/messages.hpp"

namespace fabgate::test {

inline SessionRecord sample_session() {
    SessionRecord s;
    s.id = "0190f1a2-7b3c-7d4e-8f50-0123456789ab";
    s.site = "lab";
    s.machine = "laser-1";
    s.uid = "04A1B2C3";
    s.member = "m-17";
    s.role = Role::Supervisor;
    s.started_at = 1'767'225'600'000;
    s.ended_at = 1'767'229'200'000;
    s.clock_synced = true;
    s.powered_ms = 3'600'000;
    s.active_ms = 1'800'000;
    s.end_reason = EndReason::Remote;
    s.ended_by = "maria";
    return s;
}

}  // namespace fabgate::test

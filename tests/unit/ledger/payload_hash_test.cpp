// sessions.payload_hash is compared with the hash of every resent copy: if its computation
// changed, every session a gate resends after an upgrade would be taken for a conflict. The
// values below were computed with the first implementation and must never change.
#include <doctest/doctest.h>

#include "ledger/session_ingest.hpp"

using namespace fabgate;

TEST_CASE("a session's payload hash is the one the ledger has always stored") {
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
    CHECK(ledger::session_payload_hash(s) == "e66347b8fc77a9f6");
    s.active_ms.reset();
    s.clock_synced = false;
    CHECK(ledger::session_payload_hash(s) == "eb7cb2c62ad60132");
}

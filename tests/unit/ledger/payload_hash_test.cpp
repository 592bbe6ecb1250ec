// sessions.payload_hash is compared with the hash of every resent copy: if its computation
// changed, every session a gate resends after an upgrade would be taken for a conflict. The
// values below were computed with the first implementation and must never change.
#include <doctest/doctest.h>

#include "../core/sample_session.hpp"
#include "ledger/session_ingest.hpp"

using namespace fabgate;

TEST_CASE("a session's payload hash is the one the ledger has always stored") {
    SessionRecord s = test::sample_session();
    CHECK(ledger::session_payload_hash(s) == "e66347b8fc77a9f6");
    s.active_ms.reset();
    s.clock_synced = false;
    CHECK(ledger::session_payload_hash(s) == "eb7cb2c62ad60132");
}

#pragma once
// Statements the daemon runs for every message, prepared once per connection.
#include "ledger/ledger_db.hpp"

namespace fabgate::ledger {

struct LedgerDb::Impl {
    bool prepared = false;
    db::Statement find_session_hash;
    db::Statement insert_session;
    db::Statement insert_conflict;
    db::Statement member_class;
    db::Statement combine_previous;
    db::Statement combine_group;
    db::Statement upsert_state;
    db::Statement upsert_unknown_badge;
};

}  // namespace fabgate::ledger

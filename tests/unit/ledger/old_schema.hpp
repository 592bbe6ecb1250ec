#pragma once
// A ledger database as an earlier release wrote it: every migration before the named step.

#include <algorithm>
#include <span>
#include <string>
#include <string_view>

#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"

namespace fabgate::test {

inline std::span<const db::Migration> migrations_before(std::string_view step) {
    const auto& all = ledger::kMigrations;
    auto it =
        std::find_if(all.begin(), all.end(), [&](const db::Migration& m) { return m.sql == step; });
    return std::span(all).first(static_cast<std::size_t>(it - all.begin()));
}

// The ledger at `path` (made if new) with only the migrations before `step`.
inline Result<db::Database> open_ledger_before(const std::string& path, std::string_view step) {
    db::OpenOptions o;
    o.application_id = ledger::kLedgerApplicationId;
    o.application_name = "FabGate ledger";
    o.migrations = migrations_before(step);
    return db::Database::open(path, o);
}

}  // namespace fabgate::test

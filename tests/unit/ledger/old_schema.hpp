#pragma once
// A ledger database as an earlier release wrote it: every migration before the named step.

#include <algorithm>
#include <span>
#include <string_view>

#include "ledger/schema.hpp"

namespace fabgate::test {

inline std::span<const db::Migration> migrations_before(std::string_view step) {
    const auto& all = ledger::kMigrations;
    auto it =
        std::find_if(all.begin(), all.end(), [&](const db::Migration& m) { return m.sql == step; });
    return std::span(all).first(static_cast<std::size_t>(it - all.begin()));
}

}  // namespace fabgate::test

#pragma once
// Lookups and tables shared by several commands, over the ledger's API.
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "ctl/output.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ctl {

Table session_table(const std::vector<ledger::SessionLine>& sessions);

// "site/id", or a bare id that exists on exactly one site.
Result<ledger::Machine> find_machine(ledger::LedgerDb& db, std::string_view ref);

}  // namespace fabgate::ctl

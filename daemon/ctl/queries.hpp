#pragma once
// Lookups and tables shared by several commands, over the ledger's API.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "ctl/output.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ctl {

// What gates metered and the ledger priced, for one session or summed over many. `usage report`
// and every list of sessions show it in the same four columns, so that a person compares them
// and a program reads them alike: minutes and the amount as text; powered_ms, active_ms,
// billable_s and amount_minor in JSON.
struct Metered {
    std::int64_t powered_ms = 0;
    std::optional<std::int64_t> active_ms;  // absent: the machine has no busy input
    std::int64_t billable_s = 0;
    std::optional<std::int64_t> amount_minor;  // absent: unpriced
};
void add_metered_columns(Table& t);
// An absent figure is an empty cell (JSON null), not a zero.
void add_metered_cells(std::vector<Cell>& row, const Metered& m, const std::string& currency);

Table session_table(const std::vector<ledger::SessionLine>& sessions);

// "site/id", or a bare id that exists on exactly one site.
Result<ledger::Machine> find_machine(ledger::LedgerDb& db, std::string_view ref);

}  // namespace fabgate::ctl

#pragma once
// Read-only queries fabctl needs and the ledger API does not offer, written against the
// documented schema (docs/ledger-schema.md), plus lookups shared by several commands.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "ctl/output.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ctl {

struct SessionLine {
    std::string id;
    std::string site;
    std::string machine;
    std::string machine_name;
    std::string member_id;
    std::string member_name;
    std::string uid;
    std::string role;
    UnixMs started_at = 0;
    UnixMs ended_at = 0;
    bool clock_synced = false;
    std::int64_t powered_ms = 0;
    std::optional<std::int64_t> active_ms;
    std::int64_t billable_s = 0;
    std::string end_reason;
    std::optional<std::int64_t> tariff_id;
    std::optional<std::int64_t> amount_minor;
    std::string currency;
    std::optional<std::int64_t> batch_id;
    std::string rules;  // the pricing rules that applied: "minimum, combined with <id>, rounded"
};

// Newest first.
Result<std::vector<SessionLine>> recent_sessions_of(ledger::LedgerDb& db, std::string_view member,
                                                    int limit);
// from <= ended_at < to, by start time: the same sessions usage_by_member() sums.
Result<std::vector<SessionLine>> sessions_ended_between(ledger::LedgerDb& db, UnixMs from,
                                                        UnixMs to);
// By member then start, like the ledger's CSV export.
Result<std::vector<SessionLine>> sessions_in_batch(ledger::LedgerDb& db, std::int64_t batch);

Table session_table(const std::vector<SessionLine>& sessions);

// "site/id", or a bare id that exists on exactly one site.
Result<ledger::Machine> find_machine(ledger::LedgerDb& db, std::string_view ref);

}  // namespace fabgate::ctl

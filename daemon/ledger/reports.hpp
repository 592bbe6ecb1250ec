#pragma once
// Reading stored sessions back: one by id, by period, by member, by batch, and usage summed
// per member or machine. At a million sessions a period, each reads one index in order
// (docs/ledger-schema.md, "Performance").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/messages.hpp"
#include "core/result.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

struct UsageSumSlot;

struct StoredSession {
    SessionRecord record;
    UnixMs received_at = 0;
    std::string payload_hash;
    std::optional<std::int64_t> batch_id;
    std::optional<std::int64_t> tariff_id;  // null: no tariff applied, unpriced
    std::optional<std::int64_t> amount_minor;
    std::string currency;
    std::int64_t billable_s = 0;
    // The rules that priced it (docs/ledger-schema.md, "Pricing").
    bool minimum_applied = false;
    bool rounded = false;
    std::optional<std::string> combined_with;  // the first session of its combined group
};

// A stored session with the names of its machine and member, as fabctl lists it.
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

struct UsageRow {
    std::string key;       // member id or "site/machine"
    std::string label;     // member name or machine name
    std::string currency;  // empty for unpriced sessions
    std::int64_t sessions = 0;
    std::int64_t powered_ms = 0;
    std::int64_t active_ms = 0;
    std::int64_t billable_s = 0;
    std::int64_t amount_minor = 0;
    std::int64_t unpriced = 0;  // sessions without a tariff
};

class Reports {
  public:
    explicit Reports(db::Database& db) : db_(db) {}
    Reports(const Reports&) = delete;
    Reports& operator=(const Reports&) = delete;

    Result<std::optional<StoredSession>> session(std::string_view id);
    Result<std::int64_t> session_count();
    // Sessions with from <= ended_at < to, in end order.
    Result<std::vector<StoredSession>> sessions_between(UnixMs from, UnixMs to, int limit = 1000);
    // Sessions with from <= ended_at < to; grouped by member / by machine, per currency.
    Result<std::vector<UsageRow>> usage_by_member(UnixMs from, UnixMs to);
    Result<std::vector<UsageRow>> usage_by_machine(UnixMs from, UnixMs to);

    // The member's sessions, newest first.
    Result<std::vector<SessionLine>> recent_sessions_of(std::string_view member, int limit);
    // from <= ended_at < to, by start time: the same sessions usage_by_member() sums.
    Result<std::vector<SessionLine>> sessions_ended_between(UnixMs from, UnixMs to);
    // By member then start, like the batch's CSV export.
    Result<std::vector<SessionLine>> sessions_in_batch(std::int64_t batch);

  private:
    Result<std::vector<UsageRow>> usage(UnixMs from, UnixMs to, bool by_member);

    db::Database& db_;
    // The connection's usage-sum function (reports.cpp), registered at the first report.
    UsageSumSlot* usage_sum_slot_ = nullptr;
};

}  // namespace fabgate::ledger

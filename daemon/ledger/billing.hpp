#pragma once
// Billing periods: closing one puts every unbilled session that ended before its end into a
// numbered batch, audited; a batch is exported as CSV. A close writes one row, whatever the
// number of sessions: a batch is defined by its period and the sessions stored up to its close
// (schema.hpp, kSchemaBatchBySeq).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

struct BillingBatch {
    std::int64_t id = 0;      // 1, 2, 3... in closing order
    UnixMs period_start = 0;  // the previous batch's period_end (0 for the first)
    UnixMs period_end = 0;    // exclusive: sessions with ended_at < period_end
    UnixMs closed_at = 0;
    std::string closed_by;
    std::int64_t sessions = 0;
    std::int64_t late_sessions = 0;  // ended before period_start: arrived after an earlier close
};

// A batch's priced sessions in one currency (amounts in two currencies never add).
struct CurrencyTotal {
    std::string currency;
    std::int64_t sessions = 0;
    std::int64_t amount_minor = 0;
};

// Unbilled sessions from one gate that ended after a given time: the gate's clock was ahead
// (a session cannot end after it is stored). No close takes them until one whose period ends
// after them, and fabctl closes no period that has not ended.
struct EndedInFuture {
    std::string site;
    std::string machine;
    std::int64_t sessions = 0;
    UnixMs latest_ended_at = 0;
};

// The sessions a batch holds: those stored since the previous close (seq_after < seq <=
// seq_through) that ended before period_end, and those stored earlier (seq <= seq_after) that
// ended inside the period. The earlier close left the latter out: they had not ended by its end.
struct BatchSpan {
    std::int64_t seq_after = 0;
    std::int64_t seq_through = 0;
    UnixMs period_start = 0;
    UnixMs period_end = 0;
};

// The batch of the session aliased `s`, NULL while it is unbilled: the first batch whose period
// ends after the session did and whose close came after it was stored.
inline constexpr std::string_view kBatchOfSession =
    "(SELECT b.id FROM billing_batches b WHERE b.period_end > s.ended_at AND b.seq_through >= "
    "s.seq ORDER BY b.id LIMIT 1)";

// SELECT `columns` (of the session aliased `s`) for each session of a batch, unordered; the
// span is bound as ?1 to ?4 (bind_span). Each part reads only its own range: the first the
// table in seq order, the second sessions_usage in end order.
std::string batch_sessions_sql(std::string_view columns);
// Its two parts, for a reader that takes them one at a time with the same bindings.
std::string sessions_stored_since_previous_close_sql(std::string_view columns);
std::string sessions_stored_before_previous_close_sql(std::string_view columns);
void bind_span(db::Statement& st, const BatchSpan& span);

class Billing {
  public:
    explicit Billing(db::Database& db) : db_(db) {}
    Billing(const Billing&) = delete;
    Billing& operator=(const Billing&) = delete;

    // Puts every unbilled session with ended_at < period_end into a new batch, including late
    // sessions from periods closed earlier. Closing again with the same
    // period_end returns that batch unchanged. A period_end before the latest batch's end
    // (and not equal to an existing one) is refused.
    Result<BillingBatch> close_period(UnixMs period_end, std::string_view actor, UnixMs now);
    Result<std::vector<BillingBatch>> batches();
    Result<std::optional<BillingBatch>> batch(std::int64_t id);
    Result<std::optional<BatchSpan>> span(std::int64_t id);
    // Per site and machine, in that order: the unbilled sessions that ended after `now`.
    Result<std::vector<EndedInFuture>> ended_after(UnixMs now);
    // Per currency, in currency order; unpriced sessions are left out.
    Result<std::vector<CurrencyTotal>> batch_totals(std::int64_t id);
    // CSV of a batch's sessions (header line first), streamed line by line to `sink`.
    // Columns: docs/ledger-schema.md, "Batch export".
    Status export_batch_csv(std::int64_t batch_id,
                            const std::function<void(std::string_view line)>& sink);
    // The same CSV as text to write out: whole lines, each ending in \n, in blocks.
    Status export_batch_csv_text(std::int64_t batch_id,
                                 const std::function<void(std::string_view text)>& write);

  private:
    db::Database& db_;
};

}  // namespace fabgate::ledger

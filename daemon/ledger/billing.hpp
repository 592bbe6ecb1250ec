#pragma once
// Billing periods: closing one puts every unbilled session that ended before its end into a
// numbered batch, audited; a batch is exported as CSV.
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

class Billing {
  public:
    explicit Billing(db::Database& db) : db_(db) {}
    Billing(const Billing&) = delete;
    Billing& operator=(const Billing&) = delete;

    // Puts every session with batch_id NULL and ended_at < period_end into a new batch,
    // including late sessions from periods closed earlier. Closing again with the same
    // period_end returns that batch unchanged. A period_end before the latest batch's end
    // (and not equal to an existing one) is refused.
    Result<BillingBatch> close_period(UnixMs period_end, std::string_view actor, UnixMs now);
    Result<std::vector<BillingBatch>> batches();
    Result<std::optional<BillingBatch>> batch(std::int64_t id);
    // Per currency, in currency order; unpriced sessions are left out.
    Result<std::vector<CurrencyTotal>> batch_totals(std::int64_t id);
    // CSV of a batch's sessions (header line first), streamed line by line to `sink`.
    // Columns: docs/ledger-schema.md, "Batch export".
    Status export_batch_csv(std::int64_t batch_id,
                            const std::function<void(std::string_view line)>& sink);

  private:
    db::Database& db_;
};

}  // namespace fabgate::ledger

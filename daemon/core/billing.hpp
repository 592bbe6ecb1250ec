#pragma once
// Billing periods and money formatting, pure. The database side (daemon/ledger) applies the
// plan in one transaction.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace fabgate {

struct ClosedPeriod {
    std::int64_t batch_id = 0;
    UnixMs period_start = 0;
    UnixMs period_end = 0;
};

struct ClosePlan {
    // Set when this period_end was closed before: return that batch, change nothing.
    std::optional<std::int64_t> existing_batch;
    UnixMs period_start = 0;  // for a new batch: the latest batch's end (0 for the first)
};

// `closed` in any order. A new period_end must be after the latest one; closing the same end
// again is idempotent; anything else is refused with the reason.
Result<ClosePlan> plan_close(std::span<const ClosedPeriod> closed, UnixMs period_end);

// 12345 -> "123.45", -5 -> "-0.05"; `decimals` is the currency's minor-unit exponent.
std::string format_minor(std::int64_t minor, int decimals = 2);
// The same, appended to `out`: the batch export writes a million of them without a temporary.
void append_minor(std::string& out, std::int64_t minor, int decimals = 2);
// Minor-unit exponent of an ISO 4217 code: 0 for JPY, KRW and a few more, else 2.
int currency_decimals(std::string_view currency);

// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). Text starting
// with = + - @, a tab or CR (a spreadsheet formula) gets a leading ' so it stays text; plain
// numbers ("-0.05") are left alone.
std::string csv_field(std::string_view text);
// The same, appended to `out`.
void append_csv_field(std::string& out, std::string_view text);

}  // namespace fabgate

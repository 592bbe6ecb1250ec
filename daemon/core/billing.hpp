#pragma once
// Billing periods and money formatting, pure. The database side (daemon/ledger) applies the
// plan in one transaction.
#include <cstdint>
#include <functional>
#include <map>
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
// Minor-unit exponent of an ISO 4217 code, as its list (table A.1) gives it: 0 for JPY, XPF,
// UGX, the CFA francs and a few more, 3 for KWD, TND and the other dinars and rials that have
// fils or baisa, else 2.
int currency_decimals(std::string_view currency);
// Currencies whose amounts a ledger stored with other decimals than ISO's (schema 15,
// table currency_decimals_kept): FabGate took 2 for some before it knew better, and stored
// prices and closed bills keep the meaning they were written with.
using KeptDecimals = std::map<std::string, int, std::less<>>;
// The kept decimals where `kept` names the currency, else ISO's.
int currency_decimals(std::string_view currency, const KeptDecimals& kept);

// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). Text starting
// with = + - @, a tab or CR (a spreadsheet formula) gets a leading ' so it stays text; plain
// numbers ("-0.05") are left alone.
std::string csv_field(std::string_view text);
// The same, appended to `out`.
void append_csv_field(std::string& out, std::string_view text);

}  // namespace fabgate

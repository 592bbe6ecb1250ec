#pragma once
// What a manager types, turned into the ledger's integers: money in minor units (never a
// double: 0.1 has no exact binary form, and a bill must add up to the cent), durations in
// seconds, times in UTC milliseconds. Every refusal says what was wrong with the text.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace fabgate::ctl {

// "12.50" with 2 decimals -> 1250; "12" -> 1200; "12.5" -> 1250. Refuses a sign, a comma,
// more decimals than the currency has ("12.505"), and amounts beyond 10^12 major units.
Result<std::int64_t> parse_money(std::string_view text, int decimals);

// "90s", "6m", "2h", "1d", "1h30m"; "0" alone is zero. Seconds, at most 10 years.
Result<std::int64_t> parse_duration_s(std::string_view text);

// "2026-01-31" (UTC midnight) or ISO 8601 UTC: "2026-01-31T14:05Z", "2026-01-31T14:05:09Z",
// "2026-01-31T14:05:09.250Z", "+00:00" instead of "Z", a space instead of "T".
// A time without a zone is refused: the ledger is in UTC and the manager must know it.
Result<UnixMs> parse_time(std::string_view text);

// A three-letter ISO 4217 code, upper-cased: "eur" -> "EUR".
Result<std::string> parse_currency(std::string_view text);

// 2026-01-31T14:05:09Z (milliseconds only when not zero): for JSON and CSV.
std::string format_iso(UnixMs t);
// 2026-01-31 14:05, or 2026-01-31 at midnight: for tables.
std::string format_short(UnixMs t);
// 1250 EUR -> "12.50 EUR"; decimals follow the currency (JPY has none).
std::string format_money(std::int64_t minor, std::string_view currency);
// Minor units without the currency: "12.50".
std::string format_amount(std::int64_t minor, std::string_view currency);
// 5400 -> "1h30m", 360 -> "6m", 90 -> "1m30s", 0 -> "0".
std::string format_duration_s(std::int64_t seconds);
// Milliseconds as minutes with one decimal, rounded half up: 90'000 -> "1.5".
std::string format_minutes(std::int64_t ms);

}  // namespace fabgate::ctl

#pragma once
// What a manager types, turned into the ledger's integers: money in minor units (never a
// double: 0.1 has no exact binary form, and a bill must add up to the cent), durations in
// seconds, times in UTC milliseconds. Every refusal says what was wrong with the text.
// Times without an offset are the lab's local time (the ledger config's time_zone), and times
// are printed in it; without a time_zone, both are UTC.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace fabgate::ctl {

// "12.50" with 2 decimals -> 1250; "12" -> 1200; "12.5" -> 1250. Refuses a sign, a comma,
// more decimals than the currency has ("12.505"), and amounts beyond 10^12 major units.
Result<std::int64_t> parse_money(std::string_view text, int decimals);

// "90s", "6m", "2h", "1d", "1h30m"; "0" alone is zero. Seconds, at most 10 years.
Result<std::int64_t> parse_duration_s(std::string_view text);

// A time zone's rules, as fabctl needs them (ctl/lab_zone.hpp reads them from tzdata).
struct LocalInstants {
    // Unique: one instant. Ambiguous: the wall-clock time happens twice (clocks went back).
    // Nonexistent: the clocks jumped over it; both instants are the jump's.
    enum Kind { Unique, Ambiguous, Nonexistent } kind = Unique;
    UnixMs earliest = 0, latest = 0;
};
class ZoneRules {
  public:
    virtual ~ZoneRules() = default;
    virtual const std::string& name() const = 0;
    // Seconds to add to UTC to get the local wall-clock time at `utc`.
    virtual std::int64_t offset_s(UnixMs utc) const = 0;
    // The instants a local wall-clock time (milliseconds since 1970-01-01T00:00 local) names.
    virtual LocalInstants resolve(std::int64_t local_ms) const = 0;
};

// The zone that parse_time and format_* use when given none: fabctl sets the lab's for a run
// (every command reads and prints times the same way, as a locale would). Null: UTC.
void set_lab_zone(const ZoneRules* zone);
const ZoneRules* lab_zone();

// "2026-01-31" (midnight, local) or ISO 8601: "2026-01-31T14:05" (local),
// "2026-01-31T14:05Z", "2026-01-31T14:05:09+01:00", "2026-01-31T14:05:09.250Z", a space
// instead of "T". An explicit Z or offset is always accepted. A local time that the clocks
// skipped, or that happens twice (the autumn switch), is refused and the offsets are named.
// Without a zone, a time must carry Z or an offset.
Result<UnixMs> parse_time(std::string_view text, const ZoneRules* zone);
Result<UnixMs> parse_time(std::string_view text);  // in lab_zone()

// A three-letter ISO 4217 code, upper-cased: "eur" -> "EUR".
Result<std::string> parse_currency(std::string_view text);

// 2026-01-31T14:05:09Z, or 2026-01-31T15:05:09+01:00 in a zone (milliseconds only when not
// zero): for JSON and CSV.
std::string format_iso(UnixMs t, const ZoneRules* zone);
std::string format_iso(UnixMs t);  // in lab_zone()
// 2026-01-31 14:05, or 2026-01-31 at midnight: for tables. In the hour the autumn switch
// repeats, the offset follows ("2026-10-25 02:30 +01:00").
std::string format_short(UnixMs t, const ZoneRules* zone);
std::string format_short(UnixMs t);  // in lab_zone()
// 1250 EUR -> "12.50 EUR"; decimals follow the currency (JPY has none).
// The decimals of the ledger a run uses (core/billing.hpp, KeptDecimals); null: ISO's.
void set_kept_decimals(const KeptDecimals* kept);
// A currency's decimals in that ledger: what amounts are typed and shown with.
int decimals_of(std::string_view currency);
std::string format_money(std::int64_t minor, std::string_view currency);
// Minor units without the currency: "12.50".
std::string format_amount(std::int64_t minor, std::string_view currency);
// 5400 -> "1h30m", 360 -> "6m", 90 -> "1m30s", 0 -> "0".
std::string format_duration_s(std::int64_t seconds);
// Milliseconds as minutes with one decimal, rounded half up: 90'000 -> "1.5".
std::string format_minutes(std::int64_t ms);

}  // namespace fabgate::ctl

#include "ctl/parse.hpp"

#include <array>
#include <cctype>
#include <limits>
#include <optional>

#include "core/billing.hpp"

namespace fabgate::ctl {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

// Digits only, at most max_digits of them: no sign, no spaces, no overflow.
std::optional<std::int64_t> read_digits(std::string_view text, std::size_t max_digits) {
    if (text.empty() || text.size() > max_digits) return std::nullopt;
    std::int64_t value = 0;
    for (char c : text) {
        if (!is_digit(c)) return std::nullopt;
        if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month, day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

unsigned days_in_month(std::int64_t year, unsigned month) {
    static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string two(unsigned v) {
    std::string s = std::to_string(v);
    return s.size() < 2 ? "0" + s : s;
}

}  // namespace

Result<std::int64_t> parse_money(std::string_view text, int decimals) {
    if (text.empty()) return fail("", "is empty; write an amount like 12.50");
    if (text.find(',') != std::string_view::npos)
        return fail(
            "", quoted(text) + ": use a dot for decimals, like 12.50, and no thousands separator");
    if (text.front() == '-') return fail("", quoted(text) + ": must not be negative");
    auto dot = text.find('.');
    auto whole_text = text.substr(0, dot);
    std::string_view fraction_text =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    auto whole = read_digits(whole_text, 12);
    if (!whole) {
        if (whole_text.size() > 12 && read_digits(whole_text.substr(0, 12), 12))
            return fail("", quoted(text) + ": is too large");
        return fail("", quoted(text) + " is not an amount like 12.50");
    }
    if (dot != std::string_view::npos) {
        if (fraction_text.empty()) return fail("", quoted(text) + " is not an amount like 12.50");
        if (!read_digits(fraction_text, fraction_text.size()))
            return fail("", quoted(text) + " is not an amount like 12.50");
        if (fraction_text.size() > static_cast<std::size_t>(decimals))
            return fail("", quoted(text) + " has more decimals than the currency's " +
                                std::to_string(decimals) +
                                (decimals == 0 ? " (it has no minor unit)" : "") +
                                ": amounts are exact, nothing is rounded");
    }
    std::int64_t minor = *whole;
    for (int i = 0; i < decimals; ++i) minor *= 10;
    std::int64_t scale = 1;
    for (auto i = fraction_text.size(); i < static_cast<std::size_t>(decimals); ++i) scale *= 10;
    if (!fraction_text.empty()) minor += *read_digits(fraction_text, fraction_text.size()) * scale;
    return minor;
}

Result<std::int64_t> parse_duration_s(std::string_view text) {
    constexpr std::int64_t kMax = 10LL * 366 * 24 * 3600;
    if (text == "0") return 0;
    if (text.empty()) return fail("", "is empty; write a duration like 90s, 6m or 2h");
    std::int64_t total = 0;
    std::int64_t smaller_than = std::numeric_limits<std::int64_t>::max();  // the last unit
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = i;
        while (i < text.size() && is_digit(text[i])) ++i;
        auto number = read_digits(text.substr(start, i - start), 9);
        if (!number || i == text.size()) {
            if (number && i == text.size())
                return fail("", quoted(text) + " needs a unit: s, m, h or d (like 90s, 6m, 2h)");
            return fail("", quoted(text) + " is not a duration like 90s, 6m, 2h or 1h30m");
        }
        std::int64_t unit = 0;
        switch (text[i]) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            default:
                return fail("", quoted(text) + ": unknown unit '" + std::string(1, text[i]) +
                                    "' (use s, m, h or d)");
        }
        if (unit >= smaller_than)
            return fail("",
                        quoted(text) + ": write each unit once, largest unit first (like 1h30m)");
        smaller_than = unit;
        ++i;
        total += *number * unit;
        if (total > kMax) return fail("", quoted(text) + " is longer than 10 years");
    }
    return total;
}

namespace {

const ZoneRules* g_lab_zone = nullptr;
const KeptDecimals* g_kept_decimals = nullptr;

// "+02:00" / "-05:30" / "Z" for an offset in seconds.
std::string offset_text(std::int64_t offset_s) {
    if (offset_s == 0) return "Z";
    auto magnitude = static_cast<unsigned>(offset_s < 0 ? -offset_s : offset_s);
    return (offset_s < 0 ? "-" : "+") + two(magnitude / 3600) + ":" + two(magnitude / 60 % 60);
}

// The instant a local wall-clock time names, or why it names none or two.
Result<UnixMs> resolve_local(std::string_view text, std::int64_t local_ms, const ZoneRules& zone,
                             bool whole_day) {
    auto found = zone.resolve(local_ms);
    if (found.kind == LocalInstants::Unique) return found.earliest;
    // A day starts at its first instant, even when the clocks jumped over midnight or repeat it.
    if (whole_day) return found.earliest;
    if (found.kind == LocalInstants::Nonexistent)
        return fail("", quoted(text) + " does not exist in " + zone.name() +
                            ": the clocks jump forward over it that night; write the time after "
                            "the jump, or add an offset");
    auto first = offset_text((local_ms - found.earliest) / 1000);
    auto second = offset_text((local_ms - found.latest) / 1000);
    return fail("", quoted(text) + " happens twice in " + zone.name() +
                        " (the clocks go back that night): add the offset, " + std::string(text) +
                        first + " for the first or " + std::string(text) + second +
                        " for the second");
}

}  // namespace

void set_lab_zone(const ZoneRules* zone) {
    g_lab_zone = zone;
}

const ZoneRules* lab_zone() {
    return g_lab_zone;
}

Result<UnixMs> parse_time(std::string_view text) {
    return parse_time(text, g_lab_zone);
}

namespace {

Result<UnixMs> parse_instant(std::string_view text, const ZoneRules* zone);

}  // namespace

Result<UnixMs> parse_time(std::string_view text, const ZoneRules* zone) {
    auto instant = parse_instant(text, zone);
    // "1970-01-01T00:30+01:00" is 1969 in UTC: refused like any year before 1970.
    if (instant && *instant < 0)
        return fail("", quoted(text) + ": times before 1970-01-01T00:00Z are not accepted");
    return instant;
}

namespace {

// Over 60 lines on purpose: the date, the zone designator and the time of day are read left to
// right in one pass, each refusal naming what was wrong; split up, the parts would pass the
// half-read text and its zone back and forth.
Result<UnixMs> parse_instant(std::string_view text, const ZoneRules* zone) {
    auto bad = [&] {
        return fail("", quoted(text) +
                            " is not a date (2026-01-31) or a time (2026-01-31T14:05, "
                            "2026-01-31T14:05:00Z, 2026-01-31T14:05:00+01:00)");
    };
    if (text.size() < 10 || text[4] != '-' || text[7] != '-') return bad();
    auto year = read_digits(text.substr(0, 4), 4);
    auto month = read_digits(text.substr(5, 2), 2);
    auto day = read_digits(text.substr(8, 2), 2);
    if (!year || !month || !day) return bad();
    if (*year < 1970) return fail("", quoted(text) + ": years before 1970 are not accepted");
    if (*month < 1 || *month > 12) return fail("", quoted(text) + ": month must be 01 to 12");
    auto m = static_cast<unsigned>(*month);
    if (*day < 1 || *day > days_in_month(*year, m))
        return fail("",
                    quoted(text) + ": there is no day " + std::to_string(*day) + " in that month");
    std::int64_t ms = days_from_civil(*year, m, static_cast<unsigned>(*day)) * 86'400'000;
    if (text.size() == 10) return zone ? resolve_local(text, ms, *zone, true) : ms;

    auto rest = text.substr(10);
    if (rest.front() != 'T' && rest.front() != 't' && rest.front() != ' ') return bad();
    rest.remove_prefix(1);
    // The zone designator: Z, +HH:MM or -HH:MM; none means the lab's zone.
    std::optional<std::int64_t> offset_s;
    if (!rest.empty() && (rest.back() == 'Z' || rest.back() == 'z')) {
        offset_s = 0;
        rest.remove_suffix(1);
    } else if (rest.size() >= 6 && (rest[rest.size() - 6] == '+' || rest[rest.size() - 6] == '-')) {
        auto designator = rest.substr(rest.size() - 6);
        rest.remove_suffix(6);
        auto oh = read_digits(designator.substr(1, 2), 2);
        auto om = read_digits(designator.substr(4, 2), 2);
        if (designator[3] != ':' || !oh || !om) return bad();
        if (*oh > 14 || *om > 59 || (*oh == 14 && *om > 0))
            return fail("", quoted(text) + ": the offset must be between -14:00 and +14:00");
        offset_s = (*oh * 60 + *om) * 60 * (designator[0] == '-' ? -1 : 1);
    } else if (!zone) {
        return fail("", quoted(text) +
                            ": add Z or an offset (2026-01-31T14:05:00Z, ...+01:00), or set the "
                            "lab's time_zone in the ledger config");
    }
    if (rest.size() < 5 || rest[2] != ':') return bad();
    auto hour = read_digits(rest.substr(0, 2), 2);
    auto minute = read_digits(rest.substr(3, 2), 2);
    if (!hour || !minute) return bad();
    std::int64_t second = 0, millis = 0;
    rest.remove_prefix(5);
    if (!rest.empty()) {
        if (rest.front() != ':' || rest.size() < 3) return bad();
        auto s = read_digits(rest.substr(1, 2), 2);
        if (!s) return bad();
        second = *s;
        rest.remove_prefix(3);
        if (!rest.empty()) {
            if (rest.front() != '.' || rest.size() < 2 || rest.size() > 4) return bad();
            auto f = read_digits(rest.substr(1), 3);
            if (!f) return bad();
            millis = *f;
            for (auto n = rest.size() - 1; n < 3; ++n) millis *= 10;
        }
    }
    if (*hour > 23 || *minute > 59 || second > 59)
        return fail("", quoted(text) + ": the time of day is out of range");
    std::int64_t wall = ms + ((*hour * 60 + *minute) * 60 + second) * 1000 + millis;
    if (offset_s) return wall - *offset_s * 1000;
    return resolve_local(text, wall, *zone, false);
}

}  // namespace

Result<std::string> parse_currency(std::string_view text) {
    std::string code;
    for (char c : text)
        code.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (code.size() != 3 || !std::isupper(static_cast<unsigned char>(code[0])) ||
        !std::isupper(static_cast<unsigned char>(code[1])) ||
        !std::isupper(static_cast<unsigned char>(code[2])))
        return fail("", quoted(text) + " is not a three-letter currency code like EUR");
    return code;
}

namespace {

// "2026-01-31T14:05:09" and milliseconds ("" when zero) of a wall-clock time.
std::string wall_text(std::int64_t wall_ms, std::string& millis) {
    std::int64_t days =
        wall_ms >= 0 ? wall_ms / 86'400'000 : -((-wall_ms + 86'399'999) / 86'400'000);
    std::int64_t in_day = wall_ms - days * 86'400'000;
    auto c = civil_from_days(days);
    auto seconds = static_cast<unsigned>(in_day / 1000);
    millis.clear();
    if (auto ms = in_day % 1000; ms != 0) {
        std::string f = std::to_string(ms);
        millis = "." + std::string(3 - f.size(), '0') + f;
    }
    return std::to_string(c.year) + "-" + two(c.month) + "-" + two(c.day) + "T" +
           two(seconds / 3600) + ":" + two(seconds / 60 % 60) + ":" + two(seconds % 60);
}

}  // namespace

std::string format_iso(UnixMs t) {
    return format_iso(t, g_lab_zone);
}

std::string format_iso(UnixMs t, const ZoneRules* zone) {
    std::int64_t offset = zone ? zone->offset_s(t) : 0;
    std::string millis;
    auto wall = wall_text(t + offset * 1000, millis);
    return wall + millis + offset_text(offset);
}

std::string format_short(UnixMs t) {
    return format_short(t, g_lab_zone);
}

std::string format_short(UnixMs t, const ZoneRules* zone) {
    std::int64_t offset = zone ? zone->offset_s(t) : 0;
    std::int64_t wall_ms = t + offset * 1000;
    std::string millis;
    auto iso = wall_text(wall_ms, millis);
    // The hour the autumn switch repeats reads the same twice: say which one.
    if (zone && zone->resolve(wall_ms).kind == LocalInstants::Ambiguous)
        return iso.substr(0, 10) + " " + iso.substr(11, 5) + " " + offset_text(offset);
    if (iso.compare(10, 9, "T00:00:00") == 0 && millis.empty()) return iso.substr(0, 10);
    return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

void set_kept_decimals(const KeptDecimals* kept) {
    g_kept_decimals = kept;
}

int decimals_of(std::string_view currency) {
    return g_kept_decimals ? currency_decimals(currency, *g_kept_decimals)
                           : currency_decimals(currency);
}

std::string format_amount(std::int64_t minor, std::string_view currency) {
    return format_minor(minor, decimals_of(currency));
}

std::string format_money(std::int64_t minor, std::string_view currency) {
    if (currency.empty()) return format_minor(minor, 2);
    return format_amount(minor, currency) + " " + std::string(currency);
}

std::string format_duration_s(std::int64_t seconds) {
    if (seconds == 0) return "0";
    std::string out;
    if (seconds < 0) {
        out = "-";
        seconds = -seconds;
    }
    if (auto d = seconds / 86400; d) out += std::to_string(d) + "d";
    if (auto h = seconds / 3600 % 24; h) out += std::to_string(h) + "h";
    if (auto m = seconds / 60 % 60; m) out += std::to_string(m) + "m";
    if (auto s = seconds % 60; s) out += std::to_string(s) + "s";
    return out;
}

std::string format_minutes(std::int64_t ms) {
    // Tenths of a minute are 6000 ms; half of one rounds up.
    std::int64_t tenths = (ms + 3000) / 6000;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace fabgate::ctl

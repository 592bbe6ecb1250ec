#include <doctest/doctest.h>

#include "ctl/parse.hpp"

using namespace fabgate;
using namespace fabgate::ctl;

namespace {
constexpr UnixMs kJan1 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::string refusal(const Result<std::int64_t>& r) {
    REQUIRE_FALSE(r.has_value());
    return r.error().what;
}
}  // namespace

TEST_CASE("money strings become exact minor units") {
    CHECK(parse_money("12.50", 2) == 1250);
    CHECK(parse_money("12.5", 2) == 1250);
    CHECK(parse_money("12", 2) == 1200);
    CHECK(parse_money("0.05", 2) == 5);
    CHECK(parse_money("0", 2) == 0);
    CHECK(parse_money("0.10", 2) == 10);  // 0.1 has no exact double: must still be 10
    CHECK(parse_money("999999999999.99", 2) == 99'999'999'999'999);
    CHECK(parse_money("1200", 0) == 1200);  // JPY
    CHECK(parse_money("1.234", 3) == 1234);
}

TEST_CASE("money strings that would need rounding or guessing are refused") {
    CHECK(refusal(parse_money("12.505", 2)).find("more decimals") != std::string::npos);
    CHECK(refusal(parse_money("1200.5", 0)).find("no minor unit") != std::string::npos);
    CHECK(refusal(parse_money("12,50", 2)).find("dot") != std::string::npos);
    CHECK(refusal(parse_money("1,250.00", 2)).find("dot") != std::string::npos);
    CHECK(refusal(parse_money("-1.00", 2)).find("negative") != std::string::npos);
    CHECK(refusal(parse_money("", 2)).find("empty") != std::string::npos);
    CHECK(refusal(parse_money("1000000000000", 2)).find("too large") != std::string::npos);
    for (const char* bad : {"abc", ".5", "12.", "1e3", " 12", "12 ", "+1", "1.2.3", "12.5x", "€12"})
        CHECK_MESSAGE(!parse_money(bad, 2), bad);
}

TEST_CASE("durations: seconds, minutes, hours, days and combinations") {
    CHECK(parse_duration_s("90s") == 90);
    CHECK(parse_duration_s("6m") == 360);
    CHECK(parse_duration_s("2h") == 7200);
    CHECK(parse_duration_s("1d") == 86400);
    CHECK(parse_duration_s("1h30m") == 5400);
    CHECK(parse_duration_s("0") == 0);
    CHECK(refusal(parse_duration_s("6")).find("needs a unit") != std::string::npos);
    CHECK(refusal(parse_duration_s("6x")).find("unknown unit") != std::string::npos);
    CHECK(parse_duration_s("1d2h3m4s") == 93784);
    // A unit twice or out of order is a typo (1h1m?), not a sum to guess at.
    for (const char* odd : {"1h1h", "30m1h", "1m1m", "5s1d"})
        CHECK_MESSAGE(
            refusal(parse_duration_s(odd)).find("largest unit first") != std::string::npos,
            std::string(odd));
    for (const char* bad : {"", "m", "-5m", "1.5h", "5 m", "h1", "99999999999s"})
        CHECK_MESSAGE(!parse_duration_s(bad), bad);
}

TEST_CASE("without a lab time zone, dates are UTC midnight and times carry their offset") {
    CHECK(parse_time("2026-01-01") == kJan1);
    CHECK(parse_time("1970-01-01") == 0);
    CHECK(parse_time("2026-01-01T14:05Z") == kJan1 + (14 * 60 + 5) * 60'000);
    CHECK(parse_time("2026-01-01T14:05:09Z") == kJan1 + ((14 * 60 + 5) * 60 + 9) * 1000);
    CHECK(parse_time("2026-01-01T14:05:09.25Z") == kJan1 + ((14 * 60 + 5) * 60 + 9) * 1000 + 250);
    CHECK(parse_time("2026-01-01 00:00:00+00:00") == kJan1);
    CHECK(parse_time("2024-02-29") == 1'709'164'800'000);
    CHECK(parse_time("2026-03-01") == kJan1 + 59LL * 86'400'000);

    auto refused = [](const char* text) {
        auto r = parse_time(text);
        REQUIRE_FALSE(r.has_value());
        return r.error().what;
    };
    CHECK(refused("2026-02-29").find("no day 29") != std::string::npos);
    CHECK(refused("2026-13-01").find("month") != std::string::npos);
    CHECK(refused("2026-01-01T10:00").find("add Z") != std::string::npos);
    CHECK(parse_time("2026-01-01T10:00+02:00") == kJan1 + 8 * 3'600'000);
    CHECK(refused("2026-01-01T24:00Z").find("out of range") != std::string::npos);
    // Offsets end at ±14:00, as the refusal says; +14:59 is no zone's and was read as given.
    CHECK(parse_time("2026-01-01T14:00+14:00") == kJan1);
    CHECK(parse_time("2026-01-01T00:00-12:30") == kJan1 + 12 * 3'600'000 + 30 * 60'000);
    for (const char* beyond : {"2026-01-01T10:00+14:59", "2026-01-01T10:00-14:01"})
        CHECK_MESSAGE(refused(beyond).find("between -14:00 and +14:00") != std::string::npos,
                      std::string(beyond));
    CHECK(refused("1969-12-31").find("1970") != std::string::npos);
    for (const char* bad : {"", "26-01-01", "2026/01/01", "2026-1-1", "tomorrow", "2026-01-01T",
                            "2026-01-01T10Z", "2026-01-01T10:00:00.1234Z", "2026-01-01x"})
        CHECK_MESSAGE(!parse_time(bad), bad);
}

TEST_CASE("formatted times read back as the same instant") {
    for (UnixMs t : {UnixMs{0}, kJan1, kJan1 + 1, kJan1 + 86'399'999, UnixMs{951'782'400'000},
                     UnixMs{4'102'444'800'000}}) {
        auto text = format_iso(t);
        CHECK_MESSAGE(parse_time(text) == t, text);
    }
    CHECK(format_iso(kJan1) == "2026-01-01T00:00:00Z");
    CHECK(format_iso(kJan1 + 250) == "2026-01-01T00:00:00.250Z");
    CHECK(format_short(kJan1) == "2026-01-01");
    CHECK(format_short(kJan1 + 3'723'000) == "2026-01-01 01:02");
}

TEST_CASE("amounts, durations and minutes for people") {
    CHECK(format_money(1250, "EUR") == "12.50 EUR");
    CHECK(format_money(5, "EUR") == "0.05 EUR");
    CHECK(format_money(1200, "JPY") == "1200 JPY");
    CHECK(format_duration_s(5400) == "1h30m");
    CHECK(format_duration_s(360) == "6m");
    CHECK(format_duration_s(90) == "1m30s");
    CHECK(format_duration_s(0) == "0");
    CHECK(format_minutes(90'000) == "1.5");
    CHECK(format_minutes(0) == "0.0");
    CHECK(format_minutes(2'999) == "0.0");
    CHECK(format_minutes(3'000) == "0.1");  // half a tenth rounds up
    CHECK(format_minutes(3'600'000) == "60.0");
}

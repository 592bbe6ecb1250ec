// The lab's time zone (ledger config time_zone): what a manager in Paris types and reads,
// across both 2026 daylight-saving switches (29 March and 25 October).
#include <doctest/doctest.h>

#include "ctl/lab_zone.hpp"
#include "ctl/parse.hpp"
#include "lab_fixture.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using fabgate::test::kMinuteMs;

namespace {

constexpr UnixMs kAutumnSwitch = 1'792'890'000'000;  // 2026-10-25T01:00Z: 03:00 CEST -> 02:00 CET
constexpr UnixMs kSpringSwitch = 1'774'746'000'000;  // 2026-03-29T01:00Z: 02:00 CET -> 03:00 CEST
constexpr UnixMs kJul1Paris = 1'782'856'800'000;     // 2026-06-30T22:00Z
constexpr UnixMs kDec1Paris = 1'796'079'600'000;     // 2026-11-30T23:00Z
constexpr UnixMs kDec2 = 1'796'169'600'000;          // 2026-12-02T00:00Z

std::unique_ptr<ZoneRules> paris() {
    auto z = load_zone("Europe/Paris");
    REQUIRE(z);
    return std::move(*z);
}

std::string refusal(std::string_view text, const ZoneRules* zone) {
    auto r = parse_time(text, zone);
    REQUIRE_FALSE(r.has_value());
    return r.error().what;
}

}  // namespace

TEST_CASE("dates and times without an offset are the lab's local time") {
    auto z = paris();
    // Winter is UTC+1, summer UTC+2; a bare date is local midnight.
    CHECK(parse_time("2026-12-01", z.get()) == kDec1Paris);
    CHECK(parse_time("2026-07-01", z.get()) == kJul1Paris);
    CHECK(parse_time("2026-07-01T00:00", z.get()) == kJul1Paris);
    CHECK(parse_time("2026-03-29", z.get()) == kSpringSwitch - 2 * 3'600'000);
    // Explicit Z and offsets are always taken as written.
    CHECK(parse_time("2026-07-01T00:00+02:00", z.get()) == kJul1Paris);
    CHECK(parse_time("2026-06-30T22:00Z", z.get()) == kJul1Paris);
    CHECK(parse_time("2026-06-30T17:00-05:00", z.get()) == kJul1Paris);
    CHECK(parse_time("2026-07-01T00:00+02:00", nullptr) == kJul1Paris);
    // Without a zone, a bare date stays UTC midnight and a time needs its offset.
    CHECK(parse_time("2026-07-01", nullptr) == kJul1Paris + 2 * 3'600'000);
    CHECK(refusal("2026-07-01T10:00", nullptr).find("time_zone") != std::string::npos);
    CHECK(refusal("2026-07-01T10:00+15:00", z.get()).find("offset") != std::string::npos);
    // An offset or the zone cannot reach back before 1970 (formatted, it would not read back).
    CHECK(refusal("1970-01-01T00:30+01:00", nullptr).find("before 1970") != std::string::npos);
    CHECK(refusal("1970-01-01", z.get()).find("before 1970") != std::string::npos);
    CHECK(parse_time("1970-01-01T00:30-01:00", nullptr) == 90 * kMinuteMs);
}

TEST_CASE("a local time the switch skips or repeats is refused, naming the offsets") {
    auto z = paris();
    auto skipped = refusal("2026-03-29T02:30", z.get());
    CHECK(skipped.find("does not exist in Europe/Paris") != std::string::npos);
    CHECK(parse_time("2026-03-29T03:00", z.get()) == kSpringSwitch);
    CHECK(parse_time("2026-03-29T01:59", z.get()) == kSpringSwitch - kMinuteMs);

    auto twice = refusal("2026-10-25T02:30", z.get());
    CHECK(twice.find("happens twice in Europe/Paris") != std::string::npos);
    CHECK(twice.find("2026-10-25T02:30+02:00") != std::string::npos);
    CHECK(twice.find("2026-10-25T02:30+01:00") != std::string::npos);
    CHECK(parse_time("2026-10-25T02:30+02:00", z.get()) == kAutumnSwitch - 30 * kMinuteMs);
    CHECK(parse_time("2026-10-25T02:30+01:00", z.get()) == kAutumnSwitch + 30 * kMinuteMs);
}

TEST_CASE("times print in the lab's zone with the offset in force, and read back") {
    auto z = paris();
    CHECK(format_iso(kJul1Paris, z.get()) == "2026-07-01T00:00:00+02:00");
    CHECK(format_iso(kDec1Paris, z.get()) == "2026-12-01T00:00:00+01:00");
    CHECK(format_short(kDec1Paris, z.get()) == "2026-12-01");
    CHECK(format_short(kJul1Paris + 90 * kMinuteMs, z.get()) == "2026-07-01 01:30");
    // The repeated hour says which of the two it is.
    CHECK(format_short(kAutumnSwitch - 30 * kMinuteMs, z.get()) == "2026-10-25 02:30 +02:00");
    CHECK(format_short(kAutumnSwitch + 30 * kMinuteMs, z.get()) == "2026-10-25 02:30 +01:00");
    for (UnixMs t = kAutumnSwitch - 3 * 3'600'000; t < kAutumnSwitch + 3 * 3'600'000;
         t += 7 * kMinuteMs + 250)
        CHECK(parse_time(format_iso(t, z.get()), z.get()) == t);
    for (UnixMs t = kSpringSwitch - 3 * 3'600'000; t < kSpringSwitch + 3 * 3'600'000;
         t += 7 * kMinuteMs)
        CHECK(parse_time(format_iso(t, z.get()), z.get()) == t);
}

TEST_CASE("an unknown time zone in the config is refused, naming it") {
    auto z = load_zone("Europe/Pariss");
    REQUIRE_FALSE(z);
    CHECK(z.error().what.find("Europe/Pariss") != std::string::npos);
    test::ZonedLab lab("Europe/Pariss", kDec2);
    auto r = lab.run({"init"});
    CHECK(r.code == 1);
    CHECK(r.err.find("'Europe/Pariss' is not a time zone") != std::string::npos);
}

TEST_CASE("a session across the autumn switch is three real hours, shown in local time") {
    test::ZonedLab lab("Europe/Paris", kDec2);
    lab.setup();
    {
        auto db = lab.open();
        // Badge in 01:30 CEST, badge out 03:30 CET: the wall clock says 2 h, the meter 3 h.
        test::deliver(
            db,
            {test::gate_session("019c0000-0000-7000-8000-0000000000a1", "m-1", "laser-1",
                                kAutumnSwitch - 90 * kMinuteMs, kAutumnSwitch + 90 * kMinuteMs)},
            kDec2);
    }
    auto r = lab.run({"--json", "usage", "report", "--from", "2026-10-25", "--to", "2026-10-26",
                      "--by", "session"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    auto j = r.parsed();
    REQUIRE(j.size() == 1);
    CHECK(j[0]["started_at"] == "2026-10-25T01:30:00+02:00");
    CHECK(j[0]["ended_at"] == "2026-10-25T03:30:00+01:00");
    CHECK(j[0]["billable_s"] == 3 * 3600);
    CHECK(j[0]["amount_minor"] == 3600);  // 3 h at 12.00/h

    auto table = lab.ok({"usage", "report", "--from", "2026-10-25", "--to", "2026-10-26"});
    CHECK(table.find("Usage from 2026-10-25 to 2026-10-26") != std::string::npos);
    CHECK(table.find("180.0") != std::string::npos);
}

TEST_CASE("billing periods end at the lab's midnight, in summer and in winter") {
    test::ZonedLab lab("Europe/Paris", kDec2);
    lab.setup();
    {
        auto db = lab.open();
        auto session = [](const char* id, UnixMs end) {
            return test::gate_session(id, "m-1", "laser-1", end - 30 * kMinuteMs, end);
        };
        test::deliver(
            db,
            {// 23:59 on 30 June in Paris: June's
             session("019c0000-0000-7000-8000-0000000000b1", kJul1Paris - kMinuteMs),
             // 00:30 on 1 July in Paris (still 30 June in UTC): not June's
             session("019c0000-0000-7000-8000-0000000000b2", kJul1Paris + 30 * kMinuteMs),
             // 23:59 on 30 November in Paris: November's
             session("019c0000-0000-7000-8000-0000000000b3", kDec1Paris - kMinuteMs),
             // 00:30 on 1 December in Paris (30 November in UTC): not November's
             session("019c0000-0000-7000-8000-0000000000b4", kDec1Paris + 30 * kMinuteMs)},
            kDec2);
    }
    auto june = lab.run({"--json", "billing", "close", "--to", "2026-07-01"});
    INFO(june.err);
    REQUIRE(june.code == 0);
    auto j = june.parsed();
    CHECK(j["period_end"] == "2026-07-01T00:00:00+02:00");
    CHECK(j["sessions"] == 1);

    auto november = lab.run({"--json", "billing", "close", "--to", "2026-12-01"});
    REQUIRE(november.code == 0);
    auto n = november.parsed();
    CHECK(n["period_start"] == "2026-07-01T00:00:00+02:00");
    CHECK(n["period_end"] == "2026-12-01T00:00:00+01:00");
    CHECK(n["sessions"] == 2);  // 1 July 00:30 and 30 November 23:59

    auto db = lab.open();
    auto late = db.reports().session("019c0000-0000-7000-8000-0000000000b4");
    REQUIRE(late);
    REQUIRE(*late);
    CHECK_FALSE((*late)->batch_id.has_value());

    auto text = lab.ok({"billing", "close", "--to", "2026-12-01"});
    CHECK(text.find("ended before 2026-12-01 (period from 2026-07-01)") != std::string::npos);
}

#include <doctest/doctest.h>

#include <vector>

#include "core/tariff.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;

namespace {

constexpr std::int64_t kMin = 60'000;  // one minute in ms

Tariff hourly(std::int64_t price_per_hour_minor, std::int64_t increment_s) {
    Tariff t;
    t.id = 1;
    t.target = "laser-1";
    t.member_class = "standard";
    t.price_per_hour_minor = price_per_hour_minor;
    t.increment_s = increment_s;
    return t;
}

}  // namespace

TEST_CASE("billable time is rounded up to the started increment, at the exact edges") {
    auto t = hourly(1000, 360);  // 10.00 per hour, per started 6 minutes: 1.00 each
    CHECK(price_session(t, 359'000, std::nullopt).billable_s == 360);
    CHECK(price_session(t, 359'000, std::nullopt).amount_minor == 100);
    CHECK(price_session(t, 360'000, std::nullopt).billable_s == 360);
    CHECK(price_session(t, 360'000, std::nullopt).amount_minor == 100);
    CHECK(price_session(t, 361'000, std::nullopt).billable_s == 720);
    CHECK(price_session(t, 361'000, std::nullopt).amount_minor == 200);
    // One millisecond into the next increment starts it.
    CHECK(price_session(t, 360'001, std::nullopt).billable_s == 720);
    CHECK(price_session(t, 0, std::nullopt).amount_minor == 0);
}

TEST_CASE("the hourly price is prorated exactly and rounded half up once") {
    auto t = hourly(1000, 1);
    // 10.00/h for 1 s = 0.2777 cents -> 0; 2 s = 0.555 -> 1.
    CHECK(price_session(t, 1000, std::nullopt).amount_minor == 0);
    CHECK(price_session(t, 2000, std::nullopt).amount_minor == 1);
    // 90 minutes at 10.00/h = 15.00 exactly.
    CHECK(price_session(t, 90 * kMin, std::nullopt).amount_minor == 1500);
    // 7.77/h for 1 hour stays 7.77: no float drift.
    CHECK(price_session(hourly(777, 60), 60 * kMin, std::nullopt).amount_minor == 777);
}

TEST_CASE("sessions shorter than free_below_s cost nothing, not even the start fee or minimum") {
    auto t = hourly(1200, 60);
    t.free_below_s = 120;
    t.start_fee_minor = 50;
    t.minimum_minor = 300;
    auto free = price_session(t, 119'999, std::nullopt);
    CHECK(free.free);
    CHECK(free.amount_minor == 0);
    CHECK(free.billable_s == 0);
    auto paid = price_session(t, 120'000, std::nullopt);
    CHECK_FALSE(paid.free);
    CHECK(paid.amount_minor == 300);  // 2 min = 0.40 + 0.50 fee = 0.90 < minimum 3.00
}

TEST_CASE("start fee is added once per session") {
    auto t = hourly(600, 60);
    t.start_fee_minor = 150;
    CHECK(price_session(t, 10 * kMin, std::nullopt).amount_minor == 100 + 150);
    CHECK(price_session(t, 1, std::nullopt).amount_minor == 10 + 150);
}

TEST_CASE("minimum applies to the total including the start fee") {
    auto t = hourly(600, 60);
    t.minimum_minor = 200;
    CHECK(price_session(t, 5 * kMin, std::nullopt).amount_minor == 200);  // 0.50 -> 2.00
    CHECK(price_session(t, 30 * kMin, std::nullopt).amount_minor == 300);
    t.start_fee_minor = 150;
    CHECK(price_session(t, 5 * kMin, std::nullopt).amount_minor == 200);  // 2.00 exactly
    CHECK(price_session(t, 6 * kMin, std::nullopt).amount_minor == 210);
}

TEST_CASE("amount is rounded half up to the amount rounding") {
    auto t = hourly(1000, 60);
    t.amount_rounding_minor = 5;
    // 13 min at 10.00/h = 216.67 cents -> 215; 14 min = 233.33 -> 235
    CHECK(price_session(t, 13 * kMin, std::nullopt).amount_minor == 215);
    CHECK(price_session(t, 14 * kMin, std::nullopt).amount_minor == 235);
    // Exactly half way (2.5 cents over a multiple of 5) goes up.
    t = hourly(150, 60);  // 1 min = 2.5 cents
    t.amount_rounding_minor = 5;
    CHECK(price_session(t, 1 * kMin, std::nullopt).amount_minor == 5);
}

TEST_CASE("rules combined: basis, increments, fee, minimum, rounding") {
    Tariff t = hourly(1875, 360);  // 18.75/h per started 6 minutes
    t.basis = TariffBasis::Active;
    t.start_fee_minor = 100;
    t.minimum_minor = 250;
    t.free_below_s = 60;
    t.amount_rounding_minor = 10;
    // Active 25 min -> 30 min billable -> 9.375 + 1.00 = 10.375 -> 10.40
    auto p = price_session(t, 3 * 60 * kMin, 25 * kMin);
    CHECK(p.basis_ms == 25 * kMin);
    CHECK(p.billable_s == 1800);
    CHECK(p.amount_minor == 1040);
    // Active 50 s (powered long): free under 60 s of active time.
    CHECK(price_session(t, 60 * kMin, 50'000).free);
    // A machine without busy input reports no active time: its powered time is billed.
    CHECK(price_session(t, 25 * kMin, std::nullopt).amount_minor == 1040);
    // 2 min active -> 6 min billable -> 1.875 + 1.00 = 2.875 < 2.50? no: 2.875 -> 2.90
    CHECK(price_session(t, 60 * kMin, 2 * kMin).amount_minor == 290);
}

TEST_CASE("the largest valid tariff over the longest session does not overflow") {
    Tariff t = hourly(kMaxPricePerHourMinor, 1);
    t.start_fee_minor = kMaxFeeMinor;
    t.minimum_minor = kMaxFeeMinor;
    t.amount_rounding_minor = 100'000;
    REQUIRE(validate(t));
    auto p = price_session(t, 366LL * 24 * 3600 * 1000, std::nullopt);
    CHECK(p.amount_minor == 878'500'000'000);  // 8784 h * 1e8 + 1e8
}

TEST_CASE("validation names the field") {
    auto t = hourly(100, 0);
    auto s = validate(t);
    REQUIRE_FALSE(s);
    CHECK(s.error().where == "tariff.increment_s");
    t = hourly(-1, 60);
    CHECK(validate(t).error().where == "tariff.price_per_hour_minor");
    t = hourly(100, 60);
    t.currency = "euro";
    CHECK(validate(t).error().where == "tariff.currency");
    t = hourly(100, 60);
    t.amount_rounding_minor = 0;
    CHECK(validate(t).error().where == "tariff.amount_rounding_minor");
}

TEST_CASE("tariff selection: machine beats group, exact class beats *, latest valid_from wins") {
    auto make = [](std::int64_t id, TargetKind kind, std::string target, std::string cls,
                   UnixMs from) {
        Tariff t;
        t.id = id;
        t.target_kind = kind;
        t.target = std::move(target);
        t.member_class = std::move(cls);
        t.valid_from = from;
        return t;
    };
    std::vector<Tariff> ts{
        make(1, TargetKind::Group, "lasers", "*", 0),
        make(2, TargetKind::Group, "lasers", "student", 0),
        make(3, TargetKind::Machine, "laser-1", "*", 1000),
        make(4, TargetKind::Machine, "laser-1", "student", 2000),
        make(5, TargetKind::Machine, "laser-1", "student", 3000),
        make(6, TargetKind::Machine, "printer-1", "standard", 0),
    };
    auto pick = [&](std::string_view machine, std::optional<std::string_view> group,
                    std::string_view cls, UnixMs at) {
        auto* t = select_tariff(ts, machine, group, cls, at);
        return t ? t->id : 0;
    };
    CHECK(pick("laser-2", "lasers", "standard", 5000) == 1);  // group, any class
    CHECK(pick("laser-2", "lasers", "student", 5000) == 2);   // group, exact class
    CHECK(pick("laser-1", "lasers", "standard", 5000) == 3);  // machine beats group
    CHECK(pick("laser-1", "lasers", "student", 500) == 2);    // machine tariffs not yet valid
    CHECK(pick("laser-1", "lasers", "student", 1500) == 3);   // machine * beats group exact class
    CHECK(pick("laser-1", "lasers", "student", 2000) == 4);   // valid_from is inclusive
    CHECK(pick("laser-1", "lasers", "student", 2999) == 4);
    CHECK(pick("laser-1", "lasers", "student", 3000) == 5);        // the newer row starts
    CHECK(pick("printer-1", std::nullopt, "student", 5000) == 0);  // class does not match
    CHECK(pick("printer-1", std::nullopt, "standard", 5000) == 6);
    CHECK(pick("mill", std::nullopt, "standard", 5000) == 0);  // nothing: unpriced
}

TEST_CASE("a stored tariff's audit row keeps the spelling ledgers already hold") {
    // Audit rows are hash-chained and read back by `fabctl check` and privacy exports: a new
    // tariff.add row is written exactly as the rows before it, enums by name, times in ms.
    test::TempDir dir;
    auto db = ledger::LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    Tariff t = test::lasers_tariff_with_every_rule("student");
    t.valid_from = 1'767'225'600'000;
    REQUIRE(db->tariffs().add(t, "test", 1'767'225'600'000));
    auto rows = db->audit().rows(1);
    REQUIRE(rows);
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().action == "tariff.add");
    CHECK(rows->front().after_json ==
          R"({"amount_rounding_minor":5,"basis":"active","combine_window_s":600,"currency":"CHF",)"
          R"("free_below_s":120,"id":1,"increment_s":360,"member_class":"student",)"
          R"("minimum_minor":200,"minimum_s":900,"price_per_hour_minor":1250,"rounding_mode":"up",)"
          R"("start_fee_minor":100,"target":"lasers","target_kind":"group",)"
          R"("valid_from":1767225600000})");
}

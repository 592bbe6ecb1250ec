// The published tariff rules a FabLab writes down: rounding mode and step, a minimum in
// minutes, and which rules a price used (docs/ledger-schema.md, "Pricing").
#include <doctest/doctest.h>

#include "core/tariff.hpp"

using namespace fabgate;

namespace {

constexpr std::int64_t kMin = 60'000;  // one minute in ms

Tariff per_minute(std::int64_t price_per_hour_minor) {
    Tariff t;
    t.id = 7;
    t.target = "laser-1";
    t.member_class = "standard";
    t.price_per_hour_minor = price_per_hour_minor;
    t.increment_s = 60;
    return t;
}

}  // namespace

TEST_CASE("rounding up to the next 0.10 and 0.50, as the Brussels tariff publishes it") {
    auto t = per_minute(1000);  // 10.00/h: 13 min = 2.1667
    t.rounding_mode = RoundingMode::Up;
    t.amount_rounding_minor = 10;
    CHECK(price_session(t, 13 * kMin, std::nullopt).amount_minor == 220);
    t.amount_rounding_minor = 50;
    CHECK(price_session(t, 13 * kMin, std::nullopt).amount_minor == 250);
    // An exact multiple stays where it is, and is not marked rounded.
    auto exact = price_session(t, 15 * kMin, std::nullopt);  // 2.50
    CHECK(exact.amount_minor == 250);
    CHECK_FALSE(exact.rounded);
    // A third of a cent over still goes up a whole step.
    t = per_minute(1);  // 0.01/h: 20 min = 1/3 cent
    t.rounding_mode = RoundingMode::Up;
    auto tiny = price_session(t, 20 * kMin, std::nullopt);
    CHECK(tiny.amount_minor == 1);
    CHECK(tiny.rounded);
}

TEST_CASE("rounding down drops what is below the step") {
    auto t = per_minute(1000);
    t.rounding_mode = RoundingMode::Down;
    t.amount_rounding_minor = 100;                                           // whole euros
    CHECK(price_session(t, 119 * kMin, std::nullopt).amount_minor == 1900);  // 19.83 -> 19
    CHECK(price_session(t, 120 * kMin, std::nullopt).amount_minor == 2000);
    t.amount_rounding_minor = 5;
    CHECK(price_session(t, 13 * kMin, std::nullopt).amount_minor == 215);  // 2.1667 -> 2.15
}

TEST_CASE("half-up stays the default and marks a rounded amount") {
    auto t = per_minute(1000);
    t.amount_rounding_minor = 10;
    auto p = price_session(t, 13 * kMin, std::nullopt);  // 2.1667 -> 2.20
    CHECK(p.amount_minor == 220);
    CHECK(p.rounded);
    CHECK(price_session(t, 14 * kMin, std::nullopt).amount_minor == 230);  // 2.3333 -> 2.30
}

TEST_CASE("a new tariff's rounding step is one of the published steps") {
    auto t = per_minute(1000);
    for (std::int64_t ok : {1, 5, 10, 50, 100}) {
        t.amount_rounding_minor = ok;
        CHECK(validate_rounding_step(t, 2));
    }
    for (std::int64_t bad : {2, 25, 20, 1000}) {
        t.amount_rounding_minor = bad;
        auto s = validate_rounding_step(t, 2);
        REQUIRE_FALSE(s);
        CHECK(s.error().where == "tariff.amount_rounding_minor");
    }
    // A currency without minor units: only 1.00 is a whole number of units.
    t.amount_rounding_minor = 1;
    CHECK(validate_rounding_step(t, 0));
    t.amount_rounding_minor = 5;
    CHECK_FALSE(validate_rounding_step(t, 0));
}

TEST_CASE("rounding names round trip") {
    for (auto m : {RoundingMode::HalfUp, RoundingMode::Up, RoundingMode::Down})
        CHECK(rounding_mode_from_string(to_string(m)) == m);
    CHECK_FALSE(rounding_mode_from_string("ceil"));
}

TEST_CASE("the largest valid tariff over the longest session rounds up without overflow") {
    Tariff t = per_minute(kMaxPricePerHourMinor);
    t.increment_s = 1;
    t.start_fee_minor = kMaxFeeMinor;
    t.minimum_minor = kMaxFeeMinor;
    t.amount_rounding_minor = 100'000;
    t.rounding_mode = RoundingMode::Up;
    REQUIRE(validate(t));
    auto p = price_session(t, 366LL * 24 * 3600 * 1000, std::nullopt);
    CHECK(p.amount_minor == 878'500'000'000);  // 8784 h * 1e8 + 1e8, already a multiple
    p = price_session(t, 366LL * 24 * 3600 * 1000 - 1000, std::nullopt);
    CHECK(p.amount_minor == 878'500'000'000);  // 27,777.78 under: up to the same step
}

TEST_CASE("a minimum in minutes bills short sessions as that time, and says so") {
    auto t = per_minute(3000);  // 30.00/h, per started minute
    t.minimum_s = 15 * 60;
    auto short_one = price_session(t, 6 * kMin, std::nullopt);
    CHECK(short_one.billable_s == 15 * 60);
    CHECK(short_one.amount_minor == 750);  // 15 min, not the 6 min used
    CHECK(short_one.minimum_applied);
    auto at_minimum = price_session(t, 15 * kMin, std::nullopt);
    CHECK(at_minimum.amount_minor == 750);
    CHECK_FALSE(at_minimum.minimum_applied);
    auto longer = price_session(t, 16 * kMin, std::nullopt);
    CHECK(longer.billable_s == 16 * 60);
    CHECK(longer.amount_minor == 800);
    // The minimum time is as published, not rounded to the increment: 6 min increments bill
    // a 2 min session as 15 min, a 16 min session as 18.
    t.increment_s = 360;
    CHECK(price_session(t, 2 * kMin, std::nullopt).billable_s == 15 * 60);
    CHECK(price_session(t, 16 * kMin, std::nullopt).billable_s == 18 * 60);
    // Free below still wins: nothing is billed, not even the minimum.
    t.free_below_s = 120;
    auto free = price_session(t, 90'000, std::nullopt);
    CHECK(free.free);
    CHECK(free.amount_minor == 0);
    CHECK_FALSE(free.minimum_applied);
}

TEST_CASE("a minimum in money is marked when it raised the price") {
    auto t = per_minute(600);
    t.minimum_minor = 200;
    CHECK(price_session(t, 5 * kMin, std::nullopt).minimum_applied);  // 0.50 -> 2.00
    CHECK_FALSE(price_session(t, 30 * kMin, std::nullopt).minimum_applied);
}

TEST_CASE("a minimum time beyond one day is refused, naming the field") {
    auto t = per_minute(600);
    t.minimum_s = kMaxIncrementS + 1;
    auto s = validate(t);
    REQUIRE_FALSE(s);
    CHECK(s.error().where == "tariff.minimum_s");
}

TEST_CASE("a continuation carries only the increment: the group costs what one session would") {
    auto t = per_minute(1200);  // 12.00/h
    t.increment_s = 15 * 60;    // per started 15 minutes: 3.00 each
    t.start_fee_minor = 100;
    t.minimum_minor = 500;
    // Alone: 10 min = 3.00 + 1.00 fee, minimum 5.00; 8 min the same again: 10.00 in all.
    CHECK(price_session(t, 10 * kMin, std::nullopt).amount_minor == 500);
    // Combined: the second session brings the group to 18 min = 2 increments = 6.00 + 1.00.
    auto first = price_session(t, 10 * kMin, std::nullopt);
    CombinedSoFar so_far{first.basis_ms, first.billable_s, first.amount_minor};
    auto second = price_continuation(t, so_far, 8 * kMin, std::nullopt);
    CHECK(second.basis_ms == 8 * kMin);
    CHECK(second.billable_s == 15 * 60);  // 30 min for the group, 15 already billed
    CHECK(second.amount_minor == 200);    // 7.00 for the group, 5.00 already billed
    CHECK(first.amount_minor + second.amount_minor ==
          price_session(t, 18 * kMin, std::nullopt).amount_minor);
    // A third 2 min stays inside the started increment: nothing more to pay.
    so_far = {so_far.basis_ms + second.basis_ms, so_far.billable_s + second.billable_s,
              so_far.amount_minor + second.amount_minor};
    auto third = price_continuation(t, so_far, 2 * kMin, std::nullopt);
    CHECK(third.amount_minor == 0);
    CHECK(third.billable_s == 0);
}

TEST_CASE("a combine window beyond one day is refused") {
    auto t = per_minute(600);
    t.combine_window_s = kMaxIncrementS + 1;
    REQUIRE_FALSE(validate(t));
    CHECK(validate(t).error().where == "tariff.combine_window_s");
}

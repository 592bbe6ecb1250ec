#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/billing.hpp"

using namespace fabgate;

TEST_CASE("closing periods: forward only, same end again is the same batch") {
    std::vector<ClosedPeriod> closed;
    auto first = plan_close(closed, 1000);
    REQUIRE(first);
    CHECK_FALSE(first->existing_batch);
    CHECK(first->period_start == 0);
    closed.push_back({1, 0, 1000});
    auto second = plan_close(closed, 2000);
    REQUIRE(second);
    CHECK(second->period_start == 1000);
    closed.push_back({2, 1000, 2000});
    auto again = plan_close(closed, 1000);
    REQUIRE(again);
    CHECK(again->existing_batch == 1);
    auto earlier = plan_close(closed, 1500);
    REQUIRE_FALSE(earlier);
    CHECK(earlier.error().where == "billing.period_end");
}

TEST_CASE("money is formatted from integer minor units") {
    CHECK(format_minor(12345) == "123.45");
    CHECK(format_minor(5) == "0.05");
    CHECK(format_minor(0) == "0.00");
    CHECK(format_minor(-5) == "-0.05");
    CHECK(format_minor(12) == "0.12");  // exactly as many digits as decimals
    CHECK(format_minor(-50) == "-0.50");
    CHECK(format_minor(100) == "1.00");
    CHECK(format_minor(7, 3) == "0.007");
    std::string line = "amount=";
    append_minor(line, 209'35);
    CHECK(line == "amount=209.35");
    CHECK(format_minor(1200, 0) == "1200");
    CHECK(format_minor(INT64_MIN) == "-92233720368547758.08");
    CHECK(currency_decimals("JPY") == 0);
    CHECK(currency_decimals("EUR") == 2);
}

TEST_CASE("a currency's decimals are ISO 4217's, unless the ledger kept others for it") {
    for (const char* none : {"XPF", "UGX", "XOF", "XAF", "RWF", "BIF", "KMF", "VUV"}) {
        CAPTURE(none);
        CHECK(currency_decimals(none) == 0);
    }
    for (const char* three : {"KWD", "TND", "BHD", "JOD", "OMR", "IQD", "LYD"}) {
        CAPTURE(three);
        CHECK(currency_decimals(three) == 3);
    }
    for (const char* two : {"EUR", "CHF", "GBP", "MAD", "KES", "NZD", "MGA", "XTS"}) {
        CAPTURE(two);
        CHECK(currency_decimals(two) == 2);
    }
    const KeptDecimals kept{{"KWD", 2}};
    CHECK(currency_decimals("KWD", kept) == 2);
    CHECK(currency_decimals("TND", kept) == 3);
    CHECK(format_minor(1250, currency_decimals("KWD")) == "1.250");
}

TEST_CASE("CSV fields are quoted only when needed") {
    CHECK(csv_field("Alice") == "Alice");
    CHECK(csv_field("Smith, Alice") == "\"Smith, Alice\"");
    CHECK(csv_field("the \"laser\"") == "\"the \"\"laser\"\"\"");
    // Formulas become text (OWASP); plain numbers stay numbers.
    CHECK(csv_field("=1+1") == "'=1+1");
    CHECK(csv_field("@A1") == "'@A1");
    CHECK(csv_field("+33 6 12") == "'+33 6 12");
    CHECK(csv_field("\t=1") == "'\t=1");
    CHECK(csv_field("=SUM(1,2)") == "\"'=SUM(1,2)\"");
    CHECK(csv_field("-0.05") == "-0.05");
    CHECK(csv_field("-12") == "-12");
    CHECK(csv_field("-1-2") == "'-1-2");
}

// Amounts in the console: the decimals the ledger writes each currency with.
#include <span>

#include "../ledger/old_schema.hpp"
#include "ledger/schema.hpp"
#include "web_fixture.hpp"

using namespace fabgate;
using fabgate::test::WebLab;

namespace {

// A ledger as a release before schema 15 left it: a KWD and an XPF tariff priced in hundredths
// (1.50 KWD and 12.00 XPF an hour), which migration 15 keeps at 2 decimals.
void old_ledger_with_kwd_and_xpf(const std::string& path) {
    auto old = test::open_ledger_before(path, ledger::kSchemaCurrencyDecimalsKept);
    REQUIRE(old);
    REQUIRE(
        old->exec("INSERT INTO tariffs(target_kind, target, member_class, "
                  "price_per_hour_minor, currency, basis, increment_s, valid_from, "
                  "created_at, created_by) VALUES "
                  "('machine', 'laser', '*', 150, 'KWD', 'powered', 60, 0, 0, 'fabctl:al'),"
                  "('machine', 'printer', '*', 1200, 'XPF', 'powered', 60, 0, 0, 'fabctl:al');"));
}

}  // namespace

TEST_CASE("the session gives the console each currency's decimals as the ledger writes them") {
    WebLab lab(old_ledger_with_kwd_and_xpf);
    auto ada = lab.login("ada");
    // A tariff typed in the console in IQD: ISO 4217 (and the ledger) give it 3 decimals, where
    // a browser's own table gives it none.
    auto set = lab.call(
        "POST", "/api/tariffs",
        {{"group", "lasers"}, {"class", "any"}, {"per_hour", "1.250"}, {"currency", "IQD"}}, &ada);
    REQUIRE(set.status == 200);
    auto tariffs = lab.call("GET", "/api/tariffs", nullptr, &ada);
    REQUIRE(tariffs.json.size() == 3);
    CHECK(tariffs.json[2]["price_per_hour_minor"] == 1250);

    auto session = lab.call("GET", "/api/session", nullptr, &ada);
    REQUIRE(session.status == 200);
    CHECK(session.json["lab"]["currency"] == "EUR");
    CHECK(session.json["lab"]["currency_decimals"] ==
          nlohmann::json{{"EUR", 2}, {"IQD", 3}, {"KWD", 2}, {"XPF", 2}});

    // A lab with no price yet: its own currency, with ISO's decimals.
    WebLab fresh;
    fresh.config.currency = "XPF";
    auto tess = fresh.login("tess");
    auto bare = fresh.call("GET", "/api/session", nullptr, &tess);
    CHECK(bare.json["lab"]["currency_decimals"] == nlohmann::json{{"XPF", 0}});
}

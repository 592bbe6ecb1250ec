// The billing job's side of fabctl: exact amounts with their currency in every JSON answer,
// and errors a manager can act on without knowing the ledger's internals.
#include <doctest/doctest.h>

#include "lab_fixture.hpp"

using namespace fabgate;
using fabgate::test::kMinuteMs;

namespace {

constexpr UnixMs kFeb1 = 1'769'904'000'000;  // 2026-02-01T00:00:00Z
constexpr UnixMs kMar1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr UnixMs kApr1 = 1'775'001'600'000;  // 2026-04-01T00:00:00Z

void two_months(test::ZonedLab& lab) {
    lab.setup();
    auto db = lab.open();
    test::deliver(db,
                  {// February: 60 min and 30 min at 12.00/h
                   test::gate_session("019c0000-0000-7000-8000-0000000000c1", "m-1", "laser-1",
                                      kFeb1 + kMinuteMs, kFeb1 + 61 * kMinuteMs),
                   test::gate_session("019c0000-0000-7000-8000-0000000000c2", "m-1", "laser-1",
                                      kFeb1 + 100 * kMinuteMs, kFeb1 + 130 * kMinuteMs),
                   // March: 15 min
                   test::gate_session("019c0000-0000-7000-8000-0000000000c3", "m-1", "laser-1",
                                      kMar1 + kMinuteMs, kMar1 + 16 * kMinuteMs)},
                  kApr1);
}

}  // namespace

TEST_CASE("billing close and batches give totals in minor units with their currency") {
    test::ZonedLab lab("", kApr1 + kMinuteMs);
    two_months(lab);
    auto february = lab.run({"--json", "billing", "close", "--to", "2026-03-01"});
    INFO(february.err);
    REQUIRE(february.code == 0);
    auto f = february.parsed();
    CHECK(f["period_start"].is_null());  // the first batch has no start, not 1970-01-01
    CHECK(f["period_end"] == "2026-03-01T00:00:00Z");
    REQUIRE(f["totals"].size() == 1);
    CHECK(f["totals"][0]["currency"] == "EUR");
    CHECK(f["totals"][0]["amount_minor"] == 1800);  // 1 h 30 at 12.00/h
    CHECK(f["totals"][0]["sessions"] == 2);

    auto march = lab.run({"--json", "billing", "close", "--to", "2026-04-01"}).parsed();
    CHECK(march["period_start"] == "2026-03-01T00:00:00Z");
    CHECK(march["totals"][0]["amount_minor"] == 300);

    auto batches = lab.run({"--json", "billing", "batches"});
    REQUIRE(batches.code == 0);
    auto b = batches.parsed();
    REQUIRE(b.size() == 2);
    CHECK(b[0]["period_start"].is_null());
    CHECK(b[0]["totals"] ==
          nlohmann::json::parse(R"([{"currency":"EUR","amount_minor":1800,"sessions":2}])"));
    CHECK(b[1]["totals"][0]["amount_minor"] == 300);
    CHECK(batches.out.find("1970") == std::string::npos);

    auto text = lab.ok({"billing", "batches"});
    CHECK(text.find("18.00 EUR") != std::string::npos);
    CHECK(text.find("(first)") != std::string::npos);
    CHECK(text.find("1970") == std::string::npos);

    auto exported = lab.run({"billing", "export", "1", "--format", "json"}).parsed();
    CHECK(exported["totals"][0]["amount_minor"] == 1800);
}

TEST_CASE("closing before the last closed period names --to and the dates as typed, exit 2") {
    test::ZonedLab lab("", kApr1 + kMinuteMs);
    two_months(lab);
    lab.ok({"billing", "close", "--to", "2026-03-01"});
    auto earlier = lab.run({"billing", "close", "--to", "2026-02-15"});
    CHECK(earlier.code == 2);
    CHECK(earlier.err.find("fabctl: --to: '2026-02-15' is before the end of the last closed "
                           "period, 2026-03-01 (batch 1)") != std::string::npos);
    CHECK(earlier.err.find("billing.period_end") == std::string::npos);
    CHECK(earlier.err.find(std::to_string(kMar1)) == std::string::npos);

    auto future = lab.run({"billing", "close", "--to", "2026-05-01"});
    CHECK(future.code == 2);
    CHECK(future.err.find("--to: '2026-05-01'") != std::string::npos);
    CHECK(future.out.empty());
}

TEST_CASE("unknown options are named in the order typed, with the options that exist") {
    test::ZonedLab lab("", kApr1 + kMinuteMs);
    lab.ok({"init"});
    auto r = lab.run({"billing", "close", "--tz", "Europe/Paris", "--to", "2026-03-01"});
    CHECK(r.code == 2);
    INFO(r.err);
    CHECK(r.err.rfind("fabctl: billing close: not understood: --tz Europe/Paris.", 0) == 0);
    CHECK(r.err.find("options of `billing close`: --to") != std::string::npos);
    CHECK(r.err.find("global options: --version, --config, --db") != std::string::npos);
    CHECK(r.out.empty());

    auto top = lab.run({"--colour", "auto", "billing", "batches"});
    CHECK(top.code == 2);
    CHECK(top.err.find("not understood: --colour auto.") != std::string::npos);
}

// The ledger keeps its machines and tariffs from one batch to the next. A manager's change must
// still price the very next batch: made with fabctl (another process, another connection) or
// through the ledger's own connection, a machine registered or a tariff added between two
// batches is what the next one is priced by.
#include <doctest/doctest.h>

#include <string>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

using fabgate::test::TempDir;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

// Ingests `s` alone in a batch: how it ended and what it was billed ("stored 1200").
std::string deliver(LedgerDb& db, const SessionRecord& s, UnixMs now) {
    IngestBatch batch;
    batch.sessions.push_back(
        classify_session_message(topics::machine(s.site, s.machine, "sessions"), encode(s)));
    auto summary = db.ingest().apply(batch, now);
    REQUIRE_MESSAGE(summary, summary.error().message());
    const auto& outcome = summary->outcomes.at(0);
    auto row = db.reports().session(s.id);
    REQUIRE(row);
    std::string amount = *row && (*row)->amount_minor ? std::to_string(*(*row)->amount_minor)
                                                      : std::string("unpriced");
    return std::string(to_string(outcome.result)) + " " + amount;
}

Tariff mills_per_hour(std::int64_t price_minor) {
    Tariff t;
    t.target_kind = TargetKind::Group;
    t.target = "mills";
    t.member_class = "*";
    t.price_per_hour_minor = price_minor;
    return t;
}

}  // namespace

TEST_CASE("a machine and a tariff that fabctl adds between two batches price the next batch") {
    TempDir dir;
    auto ledger = test::priced_lab(dir, kT0);
    REQUIRE(ledger.machines().upsert({"lab", "laser-1", "Laser", std::string("lasers")}, "t", kT0));
    auto first = test::finished_session("s-1", kT0, 60, "laser-1");
    CHECK(deliver(ledger, first, kT0 + 3'600'000) == "stored 1200");

    // fabctl: its own connection to the same file.
    auto fabctl = LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(fabctl);
    REQUIRE(fabctl->machines().upsert({"lab", "mill-1", "Mill", std::string("mills")}, "t", kT0));
    auto on_new_machine = test::finished_session("s-2", kT0, 60, "mill-1");
    // Registered and named by no tariff: stored, free, not held as an unknown machine.
    CHECK(deliver(ledger, on_new_machine, kT0 + 3'600'000) == "stored unpriced");

    REQUIRE(fabctl->tariffs().add(mills_per_hour(3000), "t", kT0));
    auto after_tariff = test::finished_session("s-3", kT0 + 7'200'000, 60, "mill-1");
    CHECK(deliver(ledger, after_tariff, kT0 + 3 * 3'600'000) == "stored 3000");
}

TEST_CASE("a tariff added through the ledger's own connection prices the next batch") {
    TempDir dir;
    auto ledger = test::priced_lab(dir, kT0);
    REQUIRE(ledger.machines().upsert({"lab", "mill-1", "Mill", std::string("mills")}, "t", kT0));
    auto free_use = test::finished_session("s-1", kT0, 60, "mill-1");
    CHECK(deliver(ledger, free_use, kT0 + 3'600'000) == "stored unpriced");

    REQUIRE(ledger.tariffs().add(mills_per_hour(4500), "t", kT0));
    auto priced_use = test::finished_session("s-2", kT0 + 7'200'000, 60, "mill-1");
    CHECK(deliver(ledger, priced_use, kT0 + 3 * 3'600'000) == "stored 4500");
}

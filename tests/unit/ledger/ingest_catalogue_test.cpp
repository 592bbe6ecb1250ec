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

// A ledger that bills the lasers' group, with one machine registered, and what became of each
// session delivered in a batch of its own ("stored 1200": how it ended, what it was billed).
struct Ledger {
    TempDir dir;
    LedgerDb db = test::priced_lab(dir, kT0);

    explicit Ledger(const Machine& registered) {
        REQUIRE(db.machines().upsert(registered, "t", kT0));
    }

    std::string deliver(const SessionRecord& s) {
        IngestBatch batch;
        batch.sessions.push_back(
            classify_session_message(topics::machine(s.site, s.machine, "sessions"), encode(s)));
        auto summary = db.ingest().apply(batch, s.ended_at);
        REQUIRE_MESSAGE(summary, summary.error().message());
        auto row = db.reports().session(s.id);
        REQUIRE(row);
        std::string amount = *row && (*row)->amount_minor ? std::to_string(*(*row)->amount_minor)
                                                          : std::string("unpriced");
        return std::string(to_string(summary->outcomes.at(0).result)) + " " + amount;
    }
};

Tariff mills_per_hour(std::int64_t price_minor) {
    Tariff t;
    t.target_kind = TargetKind::Group;
    t.target = "mills";
    t.member_class = "*";
    t.price_per_hour_minor = price_minor;
    return t;
}

// An hour on `machine`, the n-th of the day.
SessionRecord hour_on(const std::string& machine, int n) {
    return test::finished_session("s-" + std::to_string(n), kT0 + n * 3'600'000, 60, machine);
}

}  // namespace

TEST_CASE("a machine and a tariff that fabctl adds between two batches price the next batch") {
    Ledger ledger({"lab", "laser-1", "Laser", std::string("lasers")});
    CHECK(ledger.deliver(hour_on("laser-1", 0)) == "stored 1200");

    // fabctl: its own connection to the same file.
    auto fabctl = LedgerDb::open(ledger.dir.file("ledger.db"));
    REQUIRE(fabctl);
    REQUIRE(fabctl->machines().upsert({"lab", "mill-1", "Mill", std::string("mills")}, "t", kT0));
    // Registered and named by no tariff: stored, free, not held as an unknown machine.
    CHECK(ledger.deliver(hour_on("mill-1", 1)) == "stored unpriced");

    REQUIRE(fabctl->tariffs().add(mills_per_hour(3000), "t", kT0));
    CHECK(ledger.deliver(hour_on("mill-1", 2)) == "stored 3000");
}

TEST_CASE("a tariff added through the ledger's own connection prices the next batch") {
    Ledger ledger({"lab", "mill-1", "Mill", std::string("mills")});
    CHECK(ledger.deliver(hour_on("mill-1", 0)) == "stored unpriced");

    REQUIRE(ledger.db.tariffs().add(mills_per_hour(4500), "t", kT0));
    CHECK(ledger.deliver(hour_on("mill-1", 1)) == "stored 4500");
}

// A stored session's batch and amount cannot be changed by hand: seq and ended_at decide its
// billing batch, the price columns what it is charged, and a closed batch's count how many rows
// its export reads. `members forget` still rewrites who a session names.
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
constexpr std::string_view kRefusal = "sessions are billed as stored";

// One priced session of member m-1 on lab/laser-1, stored through the ledger's ingest.
struct PricedLab {
    TempDir dir;
    LedgerDb db = open();

    LedgerDb open() {
        auto opened = test::priced_lab(dir, kT0);
        REQUIRE(opened.machines().upsert({"lab", "laser-1", "Laser", "lasers"}, "test", kT0));
        auto s = test::finished_session("s-1", kT0 + 60'000, 30, "laser-1");
        IngestBatch batch;
        batch.sessions = {
            classify_session_message(topics::machine("lab", "laser-1", "sessions"), encode(s))};
        auto summary = opened.ingest().apply(batch, kT0 + 3'600'000);
        REQUIRE(summary);
        REQUIRE(summary->stored == 1);
        return opened;
    }

    std::string row() {
        auto st = db.database().prepare(
            "SELECT seq, ended_at, tariff_id, billable_s, amount_minor, currency, "
            "minimum_applied, rounded, coalesce(combined_with, '-') FROM sessions");
        REQUIRE(st);
        REQUIRE(st->step().value_or(false));
        std::string out;
        for (int n = 0; n < 9; ++n) out += st->text(n) + " ";
        return out;
    }
};

}  // namespace

TEST_CASE("a hand edit of a stored session's end, seq or price is refused and changes nothing") {
    PricedLab lab;
    const std::string before = lab.row();
    CHECK(before.find(" 600 EUR ") != std::string::npos);  // 30 min at 12.00/h: priced
    for (const char* edit :
         {"UPDATE sessions SET ended_at = ended_at + 86400000",
          "UPDATE sessions SET seq = seq + 1000", "UPDATE sessions SET amount_minor = 0",
          "UPDATE sessions SET tariff_id = NULL", "UPDATE sessions SET billable_s = 1",
          "UPDATE sessions SET currency = 'USD'", "UPDATE sessions SET minimum_applied = 1",
          "UPDATE sessions SET rounded = 1", "UPDATE sessions SET combined_with = 's-0'",
          "UPDATE sessions SET machine = 'laser-1', amount_minor = amount_minor * 2"}) {
        CAPTURE(edit);
        auto refused = lab.db.database().exec(edit);
        REQUIRE_FALSE(refused);
        const std::string message = refused.error().message();
        CHECK(message.find(kRefusal) != std::string::npos);
    }
    CHECK(lab.row() == before);
}

TEST_CASE("members forget and edits of other columns still update stored sessions") {
    PricedLab lab;
    const std::string before = lab.row();
    // Setting a fixed column to the value it has is not a change.
    CHECK(lab.db.database().exec("UPDATE sessions SET ended_at = ended_at, currency = currency"));
    CHECK(lab.db.database().exec("UPDATE sessions SET end_reason = 'fault'"));
    auto pseudonym = lab.db.privacy().forget_member("m-1", "test", kT0 + 7'200'000);
    REQUIRE(pseudonym);
    auto st = lab.db.database().prepare("SELECT member_id, uid FROM sessions");
    REQUIRE(st);
    REQUIRE(st->step().value_or(false));
    CHECK(st->text(0) == *pseudonym);
    CHECK(st->text(1) == "forgotten");
    CHECK(lab.row() == before);
}

TEST_CASE("a closed batch cannot be edited or deleted by hand, so its export keeps every session") {
    PricedLab lab;
    auto batch = lab.db.billing().close_period(kT0 + 86'400'000, "treasurer", kT0 + 90'000'000);
    REQUIRE(batch);
    REQUIRE(batch->sessions == 1);
    for (const std::string edit :
         {"UPDATE billing_batches SET sessions = 0", "UPDATE billing_batches SET seq_through = 0",
          "UPDATE billing_batches SET period_end = period_end - 86400000",
          "DELETE FROM billing_batches"}) {
        CAPTURE(edit);
        auto refused = lab.db.database().exec(edit);
        REQUIRE_FALSE(refused);
        const std::string message = refused.error().message();
        CHECK(message.find("closed billing batches are never changed") != std::string::npos);
    }
    std::string csv;
    REQUIRE(lab.db.billing().export_batch_csv(
        batch->id, [&](std::string_view line) { csv.append(line).push_back('\n'); }));
    CHECK(csv.find("\ns-1,") != std::string::npos);
}

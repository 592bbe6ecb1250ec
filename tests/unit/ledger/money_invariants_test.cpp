// What a treasurer relies on whatever the gates do: sessions arriving out of order, resent in
// the same batch, held for a member the ledger lacks and replayed, with periods closed in
// between. Each session is billed in exactly one batch, the batch's export, totals, JSON
// listing and the usage report agree to the cent, and a combined group's lines add up to the
// group priced as one session.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/tariff.hpp"
#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_test_support.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

void add_member(LedgerDb& db, const std::string& id) {
    Member m;
    m.id = id;
    m.name = id;
    m.member_class = "standard";
    REQUIRE(db.members().add(m, "t", 0));
}

// Every rule at once on the lasers' group, and a plainer tariff taking over on the second day,
// so that groups form on both sides of a tariff change.
void price_lasers(LedgerDb& db) {
    Tariff t = test::lasers_tariff_with_every_rule("*");
    REQUIRE(db.tariffs().add(t, "t", 0));
    t.basis = TariffBasis::Powered;
    t.price_per_hour_minor = 999;
    t.start_fee_minor = 0;
    t.valid_from = test::kT0 + 24 * test::kHour;
    REQUIRE(db.tariffs().add(t, "t", 0));
}

// 60 sessions over two days on two lasers by four members (m-4 unknown to the ledger at first),
// some without a busy input, some ending on the exact millisecond a period may end; in random
// order.
std::vector<SessionRecord> random_sessions(std::mt19937& rng) {
    auto below = [&](std::uint32_t n) { return static_cast<std::int64_t>(rng() % n); };
    std::vector<SessionRecord> sessions;
    for (int n = 0; n < 60; ++n) {
        auto s = test::finished_session("s" + std::to_string(n),
                                        test::kT0 + below(48 * 60) * test::kMinute, 0,
                                        below(2) ? "laser-1" : "laser-2");
        s.member = "m-" + std::to_string(1 + below(4));
        s.powered_ms = below(2) ? below(40 * test::kMinute) : below(40) * test::kMinute;
        s.ended_at = s.started_at + s.powered_ms;
        if (below(6) == 0) {  // up to the end of its six hours: where a period may end
            s.ended_at =
                test::kT0 + ((s.started_at - test::kT0) / (6 * test::kHour) + 1) * 6 * test::kHour;
            s.powered_ms = s.ended_at - s.started_at;
        }
        if (below(3)) s.active_ms = s.powered_ms / 3;
        sessions.push_back(s);
    }
    std::shuffle(sessions.begin(), sessions.end(), rng);
    return sessions;
}

IngestItem message(const SessionRecord& s) {
    return classify_session_message(topics::machine(s.site, s.machine, "sessions"), encode(s));
}

// Delivered seven at a time, some twice in one batch, with periods of six hours closed between
// some deliveries; then m-4 is added, the held sessions replayed and everything closed.
void deliver_and_close(LedgerDb& db, const std::vector<SessionRecord>& sessions,
                       std::mt19937& rng) {
    const UnixMs now = test::kT0 + 100 * test::kHour;
    UnixMs period_end = test::kT0 + 6 * test::kHour;
    for (std::size_t next = 0; next < sessions.size();) {
        IngestBatch batch;
        for (int k = 0; k < 7 && next < sessions.size(); ++k, ++next) {
            batch.sessions.push_back(message(sessions[next]));
            if (rng() % 5 == 0) batch.sessions.push_back(batch.sessions.back());
        }
        REQUIRE(db.ingest().apply(batch, now));
        if (rng() % 2) {
            REQUIRE(db.billing().close_period(period_end, "t", now));
            period_end += 6 * test::kHour;
        }
    }
    add_member(db, "m-4");
    REQUIRE(db.ingest().replay_parked("t", now + test::kHour, "", "", false));
    REQUIRE(db.billing().close_period(test::kT0 + 200 * test::kHour, "t", now + 2 * test::kHour));
}

std::int64_t sum_amounts(const std::vector<CurrencyTotal>& totals) {
    std::int64_t sum = 0;
    for (const auto& t : totals) sum += t.amount_minor;
    return sum;
}

// Each batch's export read line by line: every session once, in the batch its row says, and
// the batch's count, totals and JSON listing matching. The amounts of all batches, summed.
std::int64_t check_batches(LedgerDb& db, std::set<std::string>& billed) {
    std::int64_t all_batches = 0;
    auto batches = db.billing().batches();
    REQUIRE(batches);
    for (const auto& batch : *batches) {
        std::int64_t lines = 0, amount = 0;
        REQUIRE(db.billing().export_batch_csv(batch.id, [&](std::string_view line) {
            if (line.rfind("session_id,", 0) == 0) return;
            ++lines;
            std::string id(line.substr(0, line.find(',')));
            CAPTURE(id);
            CHECK(billed.insert(id).second);
            auto stored = db.reports().session(id);
            REQUIRE(stored);
            REQUIRE(*stored);
            CHECK((*stored)->batch_id == batch.id);
            amount += (*stored)->amount_minor.value_or(0);
        }));
        CHECK(lines == batch.sessions);
        auto totals = db.billing().batch_totals(batch.id);
        REQUIRE(totals);
        CHECK(sum_amounts(*totals) == amount);
        auto listed = db.reports().sessions_in_batch(batch.id);
        REQUIRE(listed);
        CHECK(static_cast<std::int64_t>(listed->size()) == lines);
        all_batches += amount;
    }
    return all_batches;
}

// Each combined group's stored lines against the group priced as one session by its tariff.
void check_groups(LedgerDb& db, const std::vector<SessionRecord>& sessions) {
    auto tariffs = db.tariffs().all();
    REQUIRE(tariffs);
    struct Group {
        std::int64_t tariff_id = 0, basis_ms = 0, amount_minor = 0;
    };
    std::map<std::string, Group> groups;
    for (const auto& s : sessions) {
        auto stored = db.reports().session(s.id);
        REQUIRE(stored);
        REQUIRE(*stored);
        REQUIRE((*stored)->tariff_id);
        auto& group = groups[(*stored)->combined_with.value_or(s.id)];
        group.tariff_id = *(*stored)->tariff_id;
        auto tariff = std::find_if(tariffs->begin(), tariffs->end(),
                                   [&](const Tariff& t) { return t.id == group.tariff_id; });
        REQUIRE(tariff != tariffs->end());
        group.basis_ms += session_basis_ms(*tariff, s.powered_ms, s.active_ms);
        group.amount_minor += *(*stored)->amount_minor;
    }
    for (const auto& entry : groups) {
        const std::string& first = entry.first;
        const Group& group = entry.second;
        auto tariff = std::find_if(tariffs->begin(), tariffs->end(),
                                   [&](const Tariff& t) { return t.id == group.tariff_id; });
        CAPTURE(first);
        CHECK(group.amount_minor ==
              price_session(*tariff, group.basis_ms, group.basis_ms).amount_minor);
    }
}

}  // namespace

TEST_CASE(
    "in any arrival order, resent, held or late, each session is billed once and every total "
    "agrees") {
    for (unsigned seed = 0; seed < 12; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        test::TempDir dir;
        auto db = LedgerDb::open(dir.file("ledger.db"));
        REQUIRE(db);
        for (const char* id : {"m-1", "m-2", "m-3"}) add_member(*db, id);
        REQUIRE(db->machines().upsert({"lab", "laser-1", "Laser", std::string("lasers")}, "t", 0));
        REQUIRE(
            db->machines().upsert({"lab", "laser-2", "Laser 2", std::string("lasers")}, "t", 0));
        price_lasers(*db);
        auto sessions = random_sessions(rng);
        deliver_and_close(*db, sessions, rng);

        std::set<std::string> billed;
        auto all_batches = check_batches(*db, billed);
        CHECK(billed.size() == sessions.size());
        auto usage = db->reports().usage_by_member(0, test::kT0 + 300 * test::kHour);
        REQUIRE(usage);
        std::int64_t reported = 0;
        for (const auto& row : *usage) reported += row.amount_minor;
        CHECK(reported == all_batches);
        check_groups(*db, sessions);
    }
}

// The fast paths of closing, exporting and summing (docs/ledger-schema.md, "Performance") give
// what the plain SQL gives: the same batch, the same CSV bytes in the same order, the same sums.
#include <doctest/doctest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "core/billing.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/schema.hpp"
#include "ledger_test_support.hpp"
#include "old_schema.hpp"

using namespace fabgate;
using namespace fabgate::ledger;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;
constexpr UnixMs kHour = 3'600'000;

// Sessions written as ingest stores them, with what sorting and formatting find hard: members
// not in the roster, equal start times, names with commas and formulas, unpriced sessions,
// a currency without minor units, and late sessions of a closed period.
struct Lab {
    test::TempDir dir;
    LedgerDb db = *LedgerDb::open(dir.file("ledger.db"));
    int next = 0;

    Lab() {
        REQUIRE(db.database().exec(
            "INSERT INTO members(id, name, contact, member_class, created_at) VALUES"
            "('m-b', 'Bob, the =maker', '', 'student', 0), ('m-a', '=cmd()', '', 'staff', 0),"
            "('m-c', 'Chloé \"C\"', '', 'standard', 0)"));
    }

    void add(std::string member, UnixMs start, std::int64_t minutes, bool priced = true,
             std::string currency = "EUR", std::string id = "") {
        auto st = db.database().prepare(
            "INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, "
            "clock_synced, powered_ms, end_reason, ended_by, payload_hash, received_at, "
            "tariff_id, billable_s, amount_minor, currency, minimum_applied, rounded, "
            "combined_with) VALUES(?1, 'lab', ?2, 'u', ?3, 'user', ?4, ?5, 1, ?6, 'badge_out', "
            "'', 'h', ?5, NULL, ?7, ?8, ?9, ?10, ?11, ?12)");
        REQUIRE(st);
        ++next;
        if (id.empty()) id = "s-" + std::to_string(1000 - next);  // ids against insert order
        st->bind(1, id)
            .bind(2, next % 2 ? "laser-1" : "mill,2")
            .bind(3, member)
            .bind(4, start)
            .bind(5, start + minutes * 60'000)
            .bind(6, minutes * 60'000)
            .bind(7, minutes * 60)
            .bind(8, priced ? std::optional<std::int64_t>(minutes * 17 - 40) : std::nullopt)
            .bind(9, priced ? currency : "")
            .bind(10, next % 3 == 0)
            .bind(11, next % 5 == 0)
            .bind(12, next % 4 == 0 ? std::optional<std::string>("s-first") : std::nullopt);
        REQUIRE(st->run());
    }

    std::vector<std::string> export_lines(std::int64_t batch) {
        std::vector<std::string> lines;
        REQUIRE(db.billing().export_batch_csv(
            batch, [&](std::string_view line) { lines.emplace_back(line); }));
        return lines;
    }

    // The export as the plain query would write it: ORDER BY in SQL, a string per cell.
    std::vector<std::string> reference_lines(std::int64_t batch) {
        std::vector<std::string> lines;
        auto st = db.database().prepare(
            "SELECT id, member_id, coalesce(member_name, ''), coalesce(member_class, ''), site, "
            "machine, started_at, ended_at, powered_minutes, billable_minutes, tariff_id, "
            "amount_minor, currency, clock_synced, (SELECT minimum_applied FROM sessions s WHERE "
            "s.id = v.id), (SELECT coalesce(combined_with, '') FROM sessions s WHERE s.id = v.id), "
            "(SELECT rounded FROM sessions s WHERE s.id = v.id) FROM v_billable_sessions v "
            "WHERE batch_id = ?1 ORDER BY member_id, started_at, id");
        REQUIRE(st);
        st->bind(1, batch);
        while (*st->step()) {
            std::string line;
            for (int c : {0, 1, 2, 3, 4, 5}) line += csv_field(st->text(c)) + ",";
            for (int c : {6, 7, 8, 9}) line += std::to_string(st->int64(c)) + ",";
            line += (st->is_null(10) ? "" : std::to_string(st->int64(10))) + ",";
            auto amount = st->optional_int64(11);
            line += (amount ? std::to_string(*amount) : "") + ",";
            line += (amount ? format_minor(*amount, currency_decimals(st->text(12))) : "") + ",";
            line += csv_field(st->text(12)) + "," + std::to_string(st->int64(13)) + ",";
            line += std::to_string(st->int64(14)) + "," + csv_field(st->text(15)) + "," +
                    std::to_string(st->int64(16));
            lines.push_back(line);
        }
        return lines;
    }

    std::int64_t count(const std::string& sql) {
        std::int64_t n = -1;
        auto st = db.database().prepare(sql);
        REQUIRE(st);
        if (*st->step()) n = st->int64(0);
        return n;
    }
};

void fill(Lab& lab) {
    for (int n = 0; n < 40; ++n) {
        const char* members[] = {"m-b", "m-a", "m-zz-not-in-roster", "m-c"};
        lab.add(members[n % 4], kT0 + (n / 3) * kHour, 5 + n % 50, n % 7 != 0,
                n % 11 == 0 ? "JPY" : "EUR");
    }
    // Same member, same start: the session id decides.
    lab.add("m-a", kT0 + 2 * kHour, 10, true, "EUR", "s-tie-b");
    lab.add("m-a", kT0 + 2 * kHour, 10, true, "EUR", "s-tie-a");
}

}  // namespace

TEST_CASE("a batch's CSV is the plain query's, byte for byte and in its order") {
    Lab lab;
    fill(lab);
    auto first = lab.db.billing().close_period(kT0 + 8 * kHour, "t", kT0 + 30 * kHour);
    REQUIRE(first);
    // Late: sessions of the closed period arriving afterwards go into the next batch.
    lab.add("m-b", kT0 + 1 * kHour, 20);
    lab.add("m-a", kT0 + 1 * kHour, 20);
    auto second = lab.db.billing().close_period(kT0 + 30 * kHour, "t", kT0 + 31 * kHour);
    REQUIRE(second);
    for (auto batch : {first->id, second->id}) {
        auto lines = lab.export_lines(batch);
        REQUIRE(lines.size() > 2);
        CHECK(lines.front().rfind("session_id,member_id,member_name,", 0) == 0);
        lines.erase(lines.begin());
        CHECK(lines == lab.reference_lines(batch));
    }
    CHECK_FALSE(lab.db.billing().export_batch_csv(99, [](std::string_view) {}));
}

TEST_CASE("the CSV as text is the line export with each line ended, nothing lost at the end") {
    Lab lab;
    fill(lab);
    auto batch = lab.db.billing().close_period(kT0 + 30 * kHour, "t", kT0 + 31 * kHour);
    REQUIRE(batch);
    std::string expected;
    for (const auto& line : lab.export_lines(batch->id)) expected += line + "\n";
    std::string text;
    REQUIRE(lab.db.billing().export_batch_csv_text(batch->id, [&](std::string_view block) {
        CHECK(block.back() == '\n');
        text += block;
    }));
    CHECK(text == expected);
    CHECK_FALSE(lab.db.billing().export_batch_csv_text(99, [](std::string_view) {}));
}

TEST_CASE("after an export, no SQL on its connection can call the function that read its rows") {
    Lab lab;
    fill(lab);
    auto batch = lab.db.billing().close_period(kT0 + 30 * kHour, "t", kT0 + 31 * kHour);
    REQUIRE(batch);
    REQUIRE(lab.export_lines(batch->id).size() > 1);
    // It wrote into the export's buffer, freed since: a later call must find no such function.
    auto call = lab.db.database().prepare(
        "SELECT fabgate_export_line('s', 'm', 'lab', 'x', 1, 2, 3, 4, NULL, NULL, '', 1, 0, '', "
        "0)");
    CHECK_FALSE(call);
}

TEST_CASE("closing counts what the plain query counts, late sessions included") {
    Lab lab;
    fill(lab);
    auto ended_before_first =
        lab.count("SELECT count(*) FROM sessions NOT INDEXED WHERE ended_at < " +
                  std::to_string(kT0 + 8 * kHour));
    auto first = lab.db.billing().close_period(kT0 + 8 * kHour, "t", kT0 + 30 * kHour);
    REQUIRE(first);
    CHECK(first->sessions == ended_before_first);
    CHECK(first->late_sessions == 0);
    lab.add("m-b", kT0 + 1 * kHour, 20);
    lab.add("m-c", kT0 + 2 * kHour, 20, false);
    auto second = lab.db.billing().close_period(kT0 + 30 * kHour, "t", kT0 + 31 * kHour);
    REQUIRE(second);
    CHECK(second->sessions ==
          lab.count("SELECT count(*) FROM v_billable_sessions WHERE batch_id = 2"));
    CHECK(second->late_sessions == 2);
    CHECK(lab.count("SELECT count(*) FROM v_billable_sessions WHERE batch_id IS NULL") ==
          lab.count("SELECT count(*) FROM sessions NOT INDEXED WHERE ended_at >= " +
                    std::to_string(kT0 + 30 * kHour)));
    auto totals = lab.db.billing().batch_totals(2);
    REQUIRE(totals);
    std::int64_t sum = 0;
    for (const auto& t : *totals) sum += t.amount_minor;
    CHECK(sum == lab.count("SELECT sum(amount_minor) FROM v_billable_sessions WHERE batch_id = 2"));
}

// The usage report over [from, to) is the plain GROUP BY's rows, in its order.
void check_usage(Lab& lab, UnixMs from, UnixMs to, bool by_member) {
    CAPTURE(by_member);
    auto rows = by_member ? lab.db.reports().usage_by_member(from, to)
                          : lab.db.reports().usage_by_machine(from, to);
    REQUIRE(rows);
    auto st = lab.db.database().prepare(
        std::string("SELECT ") + (by_member ? "member_id" : "site || '/' || machine") +
        ", currency, count(*), sum(powered_ms), sum(coalesce(active_ms, 0)), "
        "sum(billable_s), sum(coalesce(amount_minor, 0)), sum(tariff_id IS NULL) FROM "
        "sessions NOT INDEXED WHERE ended_at >= ?1 AND ended_at < ?2 GROUP BY " +
        (by_member ? "member_id" : "site, machine") + ", currency ORDER BY " +
        (by_member ? "member_id" : "site, machine") + ", currency");
    REQUIRE(st);
    st->bind(1, from).bind(2, to);
    std::size_t n = 0;
    while (*st->step()) {
        REQUIRE(n < rows->size());
        const auto& r = (*rows)[n++];
        CHECK(r.key == st->text(0));
        CHECK(r.currency == st->text(1));
        CHECK(r.sessions == st->int64(2));
        CHECK(r.powered_ms == st->int64(3));
        CHECK(r.active_ms == st->int64(4));
        CHECK(r.billable_s == st->int64(5));
        CHECK(r.amount_minor == st->int64(6));
        CHECK(r.unpriced == st->int64(7));
    }
    CHECK(n == rows->size());
    CHECK(n > 3);
}

TEST_CASE("usage by member and by machine are the plain GROUP BY's rows") {
    Lab lab;
    fill(lab);
    check_usage(lab, kT0 + 2 * kHour, kT0 + 11 * kHour, true);
    check_usage(lab, kT0 + 2 * kHour, kT0 + 11 * kHour, false);
    auto members = lab.db.reports().usage_by_member(kT0, kT0 + 100 * kHour);
    REQUIRE(members);
    CHECK(members->front().label == "=cmd()");  // m-a, named from the roster
}

TEST_CASE("usage counts a session ending at the range's start, not one ending at its end") {
    Lab lab;
    fill(lab);
    const UnixMs from = kT0 + 2 * kHour, to = kT0 + 11 * kHour;
    // 60 and 540 minutes after kT0 + 1 hour: ending exactly on the two ends of the range.
    lab.add("m-c", kT0 + 1 * kHour, 60, true, "CHF");
    lab.add("m-c", kT0 + 2 * kHour, 540, true, "CHF");
    auto members = lab.db.reports().usage_by_member(from, to);
    REQUIRE(members);
    auto chf = std::find_if(members->begin(), members->end(), [](const UsageRow& row) {
        return row.key == "m-c" && row.currency == "CHF";
    });
    REQUIRE(chf != members->end());
    CHECK(chf->sessions == 1);
    CHECK(chf->powered_ms == 60 * 60'000);
    check_usage(lab, from, to, true);
    check_usage(lab, from, to, false);
}

TEST_CASE("usage by machine keeps one machine id on two sites apart") {
    Lab lab;
    fill(lab);
    // The same machine id at a second site, and a site and machine whose text run together
    // is another pair's (labm + ill,2, lab + mill,2): each is its own row.
    REQUIRE(lab.db.database().exec(
        "UPDATE sessions SET site = 'annex' WHERE rowid % 3 = 0;"
        "UPDATE sessions SET site = 'labm', machine = 'ill,2' WHERE rowid % 5 = 0"));
    const UnixMs from = kT0, to = kT0 + 100 * kHour;
    check_usage(lab, from, to, false);
    auto machines = lab.db.reports().usage_by_machine(from, to);
    REQUIRE(machines);
    auto rows_of = [&](std::string_view key) {
        return std::count_if(machines->begin(), machines->end(),
                             [&](const UsageRow& row) { return row.key == key; });
    };
    CHECK(rows_of("annex/laser-1") > 0);
    CHECK(rows_of("lab/laser-1") > 0);
    CHECK(rows_of("lab/mill,2") > 0);
    CHECK(rows_of("labm/ill,2") > 0);
}

TEST_CASE("the usage sum function refuses to run outside a report") {
    Lab lab;
    fill(lab);
    REQUIRE(lab.db.reports().usage_by_member(kT0, kT0 + 100 * kHour));  // registers it
    auto outside = lab.db.database().exec(
        "SELECT fabgate_usage_sum(member_id, '', currency, powered_ms, active_ms, billable_s, "
        "amount_minor, tariff_id) FROM sessions");
    REQUIRE_FALSE(outside);
    CHECK(outside.error().message().find("no usage report is being summed") != std::string::npos);
    check_usage(lab, kT0, kT0 + 100 * kHour, true);  // and still sums the next report
}

TEST_CASE("the batch index migration keeps every batch's sessions and export") {
    test::TempDir dir;
    auto path = dir.file("ledger.db");
    {
        auto old = test::open_ledger_before(path, kSchemaBatchBySeq);
        REQUIRE(old);
        REQUIRE(old->exec(
            "INSERT INTO billing_batches(id, period_start, period_end, closed_at, closed_by) "
            "VALUES(1, 0, 5000, 6000, 't');"
            "INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, "
            "clock_synced, powered_ms, end_reason, ended_by, payload_hash, received_at, "
            "batch_id, currency) VALUES"
            "('a', 'lab', 'x', 'u', 'm', 'user', 1000, 2000, 1, 1000, 'badge_out', '', 'h', 1, "
            "1, ''), ('b', 'lab', 'x', 'u', 'm', 'user', 6000, 7000, 1, 1000, 'badge_out', '', "
            "'h', 1, NULL, '')"));
    }
    auto db = LedgerDb::open(path);
    REQUIRE(db);
    CHECK(db->database().schema_version() == kMigrations.back().version);
    auto batch = db->billing().batch(1);
    REQUIRE(batch);
    REQUIRE(*batch);
    CHECK((*batch)->sessions == 1);
    std::vector<std::string> lines;
    REQUIRE(db->billing().export_batch_csv(1, [&](std::string_view l) { lines.emplace_back(l); }));
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].rfind("a,m,,,lab,x,1000,2000,", 0) == 0);
    auto next = db->billing().close_period(10'000, "t", 11'000);
    REQUIRE(next);
    CHECK(next->sessions == 1);
}

TEST_CASE(
    "after a close, refused or not, a session still cannot name a tariff that does not exist") {
    Lab lab;
    fill(lab);
    // An INSERT, since a stored session's tariff_id can no longer be updated at all.
    auto insert_with_unknown_tariff = [&](const std::string& id) {
        return lab.db.database().exec(
            "INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, "
            "clock_synced, powered_ms, end_reason, ended_by, payload_hash, received_at, "
            "tariff_id, currency) VALUES('" +
            id +
            "', 'lab', 'x', 'u', 'm', 'user', 1000, 2000, 1, 1000, 'badge_out', '', 'h', 1, "
            "99, '')");
    };
    REQUIRE(lab.db.billing().close_period(kT0 + 8 * kHour, "t", kT0 + 30 * kHour));
    CHECK_FALSE(insert_with_unknown_tariff("s-fk-1"));
    CHECK_FALSE(lab.db.billing().close_period(kT0 + 4 * kHour, "t", kT0 + 31 * kHour));
    CHECK_FALSE(insert_with_unknown_tariff("s-fk-2"));
    CHECK(lab.count("SELECT count(*) FROM sessions WHERE tariff_id = 99") == 0);
}

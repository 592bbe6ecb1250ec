// Usage reports, billing periods and batch export. At a million sessions a period, each reads
// one index in order and does its grouping and labelling in memory over a few hundred members
// or machines (docs/ledger-schema.md, "Performance").
#include <charconv>
#include <map>
#include <tuple>
#include <unordered_map>

#include "core/billing.hpp"
#include "ledger/db_util.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ledger {

using detail::audit;
using detail::for_each_row;
using detail::in_transaction;
using detail::run;

namespace {

// (member id, "", currency) or (site, machine, currency): the reports' order.
using UsageKey = std::tuple<std::string, std::string, std::string>;

// Every session that ended in [from, to), summed per key, from the covering index
// sessions_usage alone: no table row is read and no temporary B-tree is built.
Result<std::map<UsageKey, UsageRow>> sum_usage(db::Database& db, UnixMs from, UnixMs to,
                                               bool by_member) {
    std::map<UsageKey, UsageRow> sums;
    auto s = for_each_row(
        db,
        "SELECT member_id, site, machine, currency, powered_ms, active_ms, billable_s, "
        "amount_minor, tariff_id IS NULL FROM sessions INDEXED BY sessions_usage "
        "WHERE ended_at >= ?1 AND ended_at < ?2",
        [&](db::Statement& st) { st.bind(1, from).bind(2, to); },
        [&](const db::Statement& st) {
            UsageKey key = by_member ? UsageKey{st.text(0), "", st.text(3)}
                                     : UsageKey{st.text(1), st.text(2), st.text(3)};
            auto& row = sums[std::move(key)];
            ++row.sessions;
            row.powered_ms += st.int64(4);
            row.active_ms += st.optional_int64(5).value_or(0);
            row.billable_s += st.int64(6);
            row.amount_minor += st.optional_int64(7).value_or(0);
            row.unpriced += st.int64(8);
        });
    if (!s) return tl::unexpected(s.error());
    return sums;
}

// Names by key (members: id; machines: "site/machine"), read once per report.
Result<std::unordered_map<std::string, std::string>> names(db::Database& db, std::string_view sql) {
    std::unordered_map<std::string, std::string> out;
    auto s = for_each_row(
        db, sql, [](db::Statement&) {},
        [&](const db::Statement& st) { out.emplace(st.text(0), st.text(1)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::vector<UsageRow>> usage(db::Database& db, UnixMs from, UnixMs to, bool by_member) {
    auto sums = sum_usage(db, from, to, by_member);
    if (!sums) return tl::unexpected(sums.error());
    auto labels = names(db, by_member ? "SELECT id, name FROM members"
                                      : "SELECT site || '/' || id, name FROM machines");
    if (!labels) return tl::unexpected(labels.error());
    std::vector<UsageRow> out;
    out.reserve(sums->size());
    for (auto& [key, row] : *sums) {
        auto& [first, second, currency] = key;
        row.key = by_member ? first : first + "/" + second;
        auto label = labels->find(row.key);
        if (label != labels->end()) row.label = label->second;
        row.currency = currency;
        out.push_back(std::move(row));
    }
    return out;
}

void append_number(std::string& line, std::int64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;  // 24 bytes hold any int64
    line.append(buf, end);
}

}  // namespace

Result<std::vector<UsageRow>> LedgerDb::usage_by_member(UnixMs from, UnixMs to) {
    return usage(db_, from, to, true);
}

Result<std::vector<UsageRow>> LedgerDb::usage_by_machine(UnixMs from, UnixMs to) {
    return usage(db_, from, to, false);
}

Result<std::optional<BillingBatch>> LedgerDb::batch(std::int64_t id) {
    std::optional<BillingBatch> found;
    auto s = for_each_row(
        db_,
        "SELECT id, period_start, period_end, closed_at, closed_by, sessions, late_sessions FROM "
        "v_batches "
        "WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); },
        [&](const db::Statement& st) {
            found = BillingBatch{st.int64(0), st.int64(1), st.int64(2), st.int64(3),
                                 st.text(4),  st.int64(5), st.int64(6)};
        });
    if (!s) return tl::unexpected(s.error());
    return found;
}

Result<std::vector<BillingBatch>> LedgerDb::batches() {
    std::vector<BillingBatch> out;
    auto s = for_each_row(
        db_,
        "SELECT id, period_start, period_end, closed_at, closed_by, sessions, late_sessions FROM "
        "v_batches "
        "ORDER BY id",
        [](db::Statement&) {},
        [&](const db::Statement& st) {
            out.push_back({st.int64(0), st.int64(1), st.int64(2), st.int64(3), st.text(4),
                           st.int64(5), st.int64(6)});
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<BillingBatch> LedgerDb::close_period(UnixMs period_end, std::string_view actor, UnixMs now) {
    auto id = in_transaction(db_, [&]() -> Result<std::int64_t> {
        std::vector<ClosedPeriod> closed;
        auto s = for_each_row(
            db_, "SELECT id, period_start, period_end FROM billing_batches", [](db::Statement&) {},
            [&](const db::Statement& st) {
                closed.push_back({st.int64(0), st.int64(1), st.int64(2)});
            });
        if (!s) return tl::unexpected(s.error());
        auto plan = plan_close(closed, period_end);
        if (!plan) return tl::unexpected(plan.error());
        if (plan->existing_batch) return *plan->existing_batch;
        s = run(db_,
                "INSERT INTO billing_batches(period_start, period_end, closed_at, closed_by) "
                "VALUES(?1, ?2, ?3, ?4)",
                [&](db::Statement& st) {
                    st.bind(1, plan->period_start).bind(2, period_end).bind(3, now).bind(4, actor);
                });
        if (!s) return tl::unexpected(s.error());
        std::int64_t batch_id = db_.last_insert_rowid();
        // Every unbilled session that ended before the end, late ones from closed periods too,
        // found through the small partial index of unbilled sessions in end order (not the
        // batch_id index's NULL run, which the planner would otherwise walk).
        s = run(db_,
                "UPDATE sessions INDEXED BY sessions_unbatched SET batch_id = ?1 "
                "WHERE batch_id IS NULL AND ended_at < ?2",
                [&](db::Statement& st) { st.bind(1, batch_id).bind(2, period_end); });
        if (!s) return tl::unexpected(s.error());
        auto assigned = db_.changes();
        std::string after = "{\"batch_id\":" + std::to_string(batch_id) +
                            ",\"period_start\":" + std::to_string(plan->period_start) +
                            ",\"period_end\":" + std::to_string(period_end) +
                            ",\"sessions\":" + std::to_string(assigned) + "}";
        if (auto a = audit(db_, now, actor, "billing.close", std::to_string(batch_id), "", after);
            !a)
            return tl::unexpected(a.error());
        return batch_id;
    });
    if (!id) return tl::unexpected(id.error());
    auto b = batch(*id);
    if (!b) return tl::unexpected(b.error());
    if (!*b) return fail("billing", "batch " + std::to_string(*id) + " vanished");
    return **b;
}

Status LedgerDb::export_batch_csv(std::int64_t batch_id,
                                  const std::function<void(std::string_view line)>& sink) {
    auto exists = batch(batch_id);
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) return fail("billing", "no batch " + std::to_string(batch_id));
    sink(
        "session_id,member_id,member_name,member_class,site,machine,started_at_ms,ended_at_ms,"
        "powered_minutes,"
        "billable_minutes,tariff_id,amount_minor,amount,currency,clock_synced,"
        "minimum,combined_with,rounded");
    // A member's name and class as CSV cells, made once per member rather than per row.
    std::unordered_map<std::string, std::string> member_cells;
    auto s = for_each_row(
        db_, "SELECT id, name, member_class FROM members", [](db::Statement&) {},
        [&](const db::Statement& st) {
            member_cells.emplace(st.text(0), csv_field(st.text(1)) + "," + csv_field(st.text(2)));
        });
    if (!s) return s;
    std::string line;
    return for_each_row(
        db_,
        "SELECT id, member_id, site, machine, started_at, ended_at, (powered_ms + 59999) / 60000, "
        "(billable_s + 59) / 60, tariff_id, amount_minor, currency, clock_synced, "
        "minimum_applied, coalesce(combined_with, ''), rounded FROM sessions "
        "WHERE batch_id = ?1 ORDER BY member_id, started_at, id",
        [&](db::Statement& st) { st.bind(1, batch_id); },
        [&](const db::Statement& st) {
            line.clear();
            auto member = st.text(1);
            line.append(csv_field(st.text(0))).push_back(',');
            line.append(csv_field(member)).push_back(',');
            auto cells = member_cells.find(member);
            line.append(cells != member_cells.end() ? cells->second : ",").push_back(',');
            for (int c : {2, 3}) line.append(csv_field(st.text(c))).push_back(',');
            for (int c : {4, 5, 6, 7}) {
                append_number(line, st.int64(c));
                line.push_back(',');
            }
            auto tariff = st.optional_int64(8);
            auto amount = st.optional_int64(9);
            auto currency = st.text(10);
            if (tariff) append_number(line, *tariff);
            line.push_back(',');
            if (amount) append_number(line, *amount);
            line.push_back(',');
            if (amount) line.append(format_minor(*amount, currency_decimals(currency)));
            line.push_back(',');
            line.append(csv_field(currency)).push_back(',');
            line.append(st.int64(11) ? "1" : "0");
            line.append(st.int64(12) ? ",1," : ",0,").append(csv_field(st.text(13)));
            line.append(st.int64(14) ? ",1" : ",0");
            sink(line);
        });
}

}  // namespace fabgate::ledger

// Usage reports, billing periods and batch export.
#include "core/billing.hpp"
#include "ledger/db_util.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ledger {

using detail::audit;
using detail::for_each_row;
using detail::in_transaction;
using detail::run;

namespace {

UsageRow read_usage(const db::Statement& st) {
    UsageRow r;
    r.key = st.text(0);
    r.label = st.text(1);
    r.currency = st.text(2);
    r.sessions = st.int64(3);
    r.powered_ms = st.int64(4);
    r.active_ms = st.int64(5);
    r.billable_s = st.int64(6);
    r.amount_minor = st.int64(7);
    r.unpriced = st.int64(8);
    return r;
}

constexpr std::string_view kUsageSums =
    "s.currency, count(*), sum(s.powered_ms), sum(coalesce(s.active_ms, 0)), sum(s.billable_s), "
    "sum(coalesce(s.amount_minor, 0)), sum(s.tariff_id IS NULL) ";

}  // namespace

Result<std::vector<UsageRow>> LedgerDb::usage_by_member(UnixMs from, UnixMs to) {
    std::vector<UsageRow> out;
    auto s = for_each_row(
        db_,
        std::string("SELECT s.member_id, coalesce(m.name, ''), ") + std::string(kUsageSums) +
            "FROM sessions s LEFT JOIN members m ON m.id = s.member_id "
            "WHERE s.ended_at >= ?1 AND s.ended_at < ?2 GROUP BY s.member_id, s.currency ORDER BY "
            "s.member_id, s.currency",
        [&](db::Statement& st) { st.bind(1, from).bind(2, to); },
        [&](const db::Statement& st) { out.push_back(read_usage(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::vector<UsageRow>> LedgerDb::usage_by_machine(UnixMs from, UnixMs to) {
    std::vector<UsageRow> out;
    auto s = for_each_row(
        db_,
        std::string("SELECT s.site || '/' || s.machine, coalesce(m.name, ''), ") +
            std::string(kUsageSums) +
            "FROM sessions s LEFT JOIN machines m ON m.site = s.site AND m.id = s.machine "
            "WHERE s.ended_at >= ?1 AND s.ended_at < ?2 GROUP BY s.site, s.machine, s.currency "
            "ORDER BY s.site, s.machine, s.currency",
        [&](db::Statement& st) { st.bind(1, from).bind(2, to); },
        [&](const db::Statement& st) { out.push_back(read_usage(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
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
        // Every unbilled session that ended before the end, late ones from closed periods too.
        s = run(db_, "UPDATE sessions SET batch_id = ?1 WHERE batch_id IS NULL AND ended_at < ?2",
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
    std::string line;
    return for_each_row(
        db_,
        "SELECT s.id, s.member_id, coalesce(m.name, ''), coalesce(m.member_class, ''), s.site, "
        "s.machine, "
        "s.started_at, s.ended_at, (s.powered_ms + 59999) / 60000, (s.billable_s + 59) / 60, "
        "s.tariff_id, "
        "s.amount_minor, s.currency, s.clock_synced, s.minimum_applied, "
        "coalesce(s.combined_with, ''), s.rounded FROM sessions s LEFT JOIN members m ON m.id = "
        "s.member_id "
        "WHERE s.batch_id = ?1 ORDER BY s.member_id, s.started_at, s.id",
        [&](db::Statement& st) { st.bind(1, batch_id); },
        [&](const db::Statement& st) {
            line.clear();
            for (int c : {0, 1, 2, 3, 4, 5}) line.append(csv_field(st.text(c))).push_back(',');
            for (int c : {6, 7, 8, 9}) line.append(std::to_string(st.int64(c))).push_back(',');
            auto tariff = st.optional_int64(10);
            auto amount = st.optional_int64(11);
            auto currency = st.text(12);
            line.append(tariff ? std::to_string(*tariff) : "").push_back(',');
            line.append(amount ? std::to_string(*amount) : "").push_back(',');
            line.append(amount ? format_minor(*amount, currency_decimals(currency)) : "")
                .push_back(',');
            line.append(csv_field(currency)).push_back(',');
            line.append(st.int64(13) ? "1" : "0");
            line.append(st.int64(14) ? ",1," : ",0,").append(csv_field(st.text(15)));
            line.append(st.int64(16) ? ",1" : ",0");
            sink(line);
        });
}

}  // namespace fabgate::ledger

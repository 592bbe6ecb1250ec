// Billing periods and batch export. At a million sessions a period, each reads one index in
// order and does its grouping and labelling in memory over a few hundred members
// (docs/ledger-schema.md, "Performance").
#include "ledger/billing.hpp"

#include <charconv>
#include <unordered_map>

#include "core/billing.hpp"
#include "ledger/db_util.hpp"

namespace fabgate::ledger {

using detail::for_each_row;
using detail::no_parameters;
using detail::rows_of;
using detail::run;

namespace {

constexpr std::string_view kBatchSelect =
    "SELECT id, period_start, period_end, closed_at, closed_by, sessions, late_sessions FROM "
    "v_batches ";

BillingBatch read_batch(const db::Statement& st) {
    return BillingBatch{st.int64(0), st.int64(1), st.int64(2), st.int64(3),
                        st.text(4),  st.int64(5), st.int64(6)};
}

void append_number(std::string& line, std::int64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;  // 24 bytes hold any int64
    line.append(buf, end);
}

// Opens a new batch for [its start, period_end) and moves the unbilled sessions into it; the
// batch's id, or the existing batch's when the period was closed already.
Result<std::int64_t> close_into_batch(db::Database& db, UnixMs period_end, std::string_view actor,
                                      UnixMs now) {
    TRY_ASSIGN(auto closed,
               rows_of<ClosedPeriod>(db, "SELECT id, period_start, period_end FROM billing_batches",
                                     no_parameters, [](const db::Statement& st) {
                                         return ClosedPeriod{st.int64(0), st.int64(1), st.int64(2)};
                                     }));
    TRY_ASSIGN(auto plan, plan_close(closed, period_end));
    if (plan.existing_batch) return *plan.existing_batch;
    TRY(run(db,
            "INSERT INTO billing_batches(period_start, period_end, closed_at, closed_by) "
            "VALUES(?1, ?2, ?3, ?4)",
            [&](db::Statement& st) {
                st.bind(1, plan.period_start).bind(2, period_end).bind(3, now).bind(4, actor);
            }));
    std::int64_t batch_id = db.last_insert_rowid();
    // Every unbilled session that ended before the end, late ones from closed periods too,
    // found through the small partial index of unbilled sessions in end order (not the
    // batch_id index's NULL run, which the planner would otherwise walk).
    TRY(run(db,
            "UPDATE sessions INDEXED BY sessions_unbatched SET batch_id = ?1 "
            "WHERE batch_id IS NULL AND ended_at < ?2",
            [&](db::Statement& st) { st.bind(1, batch_id).bind(2, period_end); }));
    auto assigned = db.changes();
    std::string after = "{\"batch_id\":" + std::to_string(batch_id) +
                        ",\"period_start\":" + std::to_string(plan.period_start) +
                        ",\"period_end\":" + std::to_string(period_end) +
                        ",\"sessions\":" + std::to_string(assigned) + "}";
    TRY(detail::audit(db, now, actor, "billing.close", std::to_string(batch_id), "", after));
    return batch_id;
}

}  // namespace

Result<std::optional<BillingBatch>> Billing::batch(std::int64_t id) {
    return detail::first_row<BillingBatch>(
        db_, std::string(kBatchSelect) + "WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); }, read_batch);
}

Result<std::vector<BillingBatch>> Billing::batches() {
    return rows_of<BillingBatch>(db_, std::string(kBatchSelect) + "ORDER BY id", no_parameters,
                                 read_batch);
}

Result<std::vector<CurrencyTotal>> Billing::batch_totals(std::int64_t id) {
    return rows_of<CurrencyTotal>(
        db_,
        "SELECT currency, count(*), sum(coalesce(amount_minor, 0)) FROM sessions WHERE batch_id = "
        "?1 AND currency != '' GROUP BY currency ORDER BY currency",
        [&](db::Statement& st) { st.bind(1, id); },
        [](const db::Statement& st) {
            return CurrencyTotal{st.text(0), st.int64(1), st.int64(2)};
        });
}

Result<BillingBatch> Billing::close_period(UnixMs period_end, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto id, detail::in_transaction(
                            db_, [&] { return close_into_batch(db_, period_end, actor, now); }));
    TRY_ASSIGN(auto closed, batch(id));
    if (!closed) return fail("billing", "batch " + std::to_string(id) + " vanished");
    return *closed;
}

Status Billing::export_batch_csv(std::int64_t batch_id,
                                 const std::function<void(std::string_view line)>& sink) {
    TRY_ASSIGN(auto exists, batch(batch_id));
    if (!exists) return fail("billing", "no batch " + std::to_string(batch_id));
    sink(
        "session_id,member_id,member_name,member_class,site,machine,started_at_ms,ended_at_ms,"
        "powered_minutes,billable_minutes,tariff_id,amount_minor,amount,currency,clock_synced,"
        "minimum,combined_with,rounded");
    // A member's name and class as CSV cells, made once per member rather than per row.
    std::unordered_map<std::string, std::string> member_cells;
    TRY(for_each_row(db_, "SELECT id, name, member_class FROM members", no_parameters,
                     [&](const db::Statement& st) {
                         member_cells.emplace(st.text(0),
                                              csv_field(st.text(1)) + "," + csv_field(st.text(2)));
                     }));
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

// Billing periods: closing one, and reading batches back (the CSV export: batch_export.cpp). At
// a million sessions a period, each reads one range in order (docs/ledger-schema.md,
// "Performance").
#include "ledger/billing.hpp"

#include <algorithm>

#include "core/billing.hpp"
#include "ledger/db_util.hpp"

namespace fabgate::ledger {

using detail::for_each_row;
using detail::no_parameters;
using detail::rows_of;
using detail::run;

std::string sessions_stored_since_previous_close_sql(std::string_view columns) {
    std::string sql;
    sql.append("SELECT ").append(columns).append(
        " FROM sessions s WHERE s.seq > ?1 AND s.seq <= ?2 AND s.ended_at < ?4");
    return sql;
}

std::string sessions_stored_before_previous_close_sql(std::string_view columns) {
    std::string sql;
    sql.append("SELECT ").append(columns).append(
        " FROM sessions s INDEXED BY sessions_usage WHERE s.ended_at >= ?3 AND s.ended_at < ?4 "
        "AND s.seq <= ?1");
    return sql;
}

std::string batch_sessions_sql(std::string_view columns) {
    return sessions_stored_since_previous_close_sql(columns) + " UNION ALL " +
           sessions_stored_before_previous_close_sql(columns);
}

void bind_span(db::Statement& st, const BatchSpan& span) {
    st.bind(1, span.seq_after).bind(2, span.seq_through);
    st.bind(3, span.period_start).bind(4, span.period_end);
}

namespace {

constexpr std::string_view kBatchSelect =
    "SELECT id, period_start, period_end, closed_at, closed_by, sessions, late_sessions FROM "
    "v_batches ";

BillingBatch read_batch(const db::Statement& st) {
    return BillingBatch{st.int64(0), st.int64(1), st.int64(2), st.int64(3),
                        st.text(4),  st.int64(5), st.int64(6)};
}

constexpr std::string_view kSpanSelect =
    "SELECT seq_after, seq_through, period_start, period_end FROM billing_batches ";

BatchSpan read_span(const db::Statement& st) {
    return BatchSpan{st.int64(0), st.int64(1), st.int64(2), st.int64(3)};
}

template <class Bind>
Result<std::int64_t> single_integer(db::Database& db, std::string_view sql, Bind&& bind) {
    TRY_ASSIGN(auto n, detail::first_row<std::int64_t>(
                           db, sql, bind, [](const db::Statement& st) { return st.int64(0); }));
    return n.value_or(0);
}

struct BatchCounts {
    std::int64_t sessions = 0;
    std::int64_t late = 0;  // ended before period_start: only sessions stored since the last close
};

// Counted once, at the close: a closed batch never changes. Late sessions can only be among
// those stored since the previous close; the others ended inside the period.
Result<BatchCounts> count_batch(db::Database& db, const BatchSpan& span) {
    BatchCounts counts;
    TRY(for_each_row(
        db,
        "SELECT count(*), coalesce(sum(s.ended_at < ?3), 0) FROM sessions s WHERE s.seq > ?1 "
        "AND s.seq <= ?2 AND s.ended_at < ?4",
        [&](db::Statement& st) { bind_span(st, span); },
        [&](const db::Statement& st) {
            counts = {st.int64(0), st.int64(1)};
        }));
    TRY_ASSIGN(auto earlier, single_integer(db,
                                            "SELECT count(*) FROM sessions s INDEXED BY "
                                            "sessions_usage WHERE s.ended_at >= ?3 AND "
                                            "s.ended_at < ?4 AND s.seq <= ?1",
                                            [&](db::Statement& st) { bind_span(st, span); }));
    counts.sessions += earlier;
    return counts;
}

// Opens a new batch for [its start, period_end) holding every unbilled session that ended
// before its end: one row, the highest seq stored so far marking which sessions it could take.
// The batch's id, or the existing batch's when the period was closed already.
Result<std::int64_t> close_into_batch(db::Database& db, UnixMs period_end, std::string_view actor,
                                      UnixMs now) {
    TRY_ASSIGN(auto closed,
               rows_of<ClosedPeriod>(db, "SELECT id, period_start, period_end FROM billing_batches",
                                     no_parameters, [](const db::Statement& st) {
                                         return ClosedPeriod{st.int64(0), st.int64(1), st.int64(2)};
                                     }));
    TRY_ASSIGN(auto plan, plan_close(closed, period_end));
    if (plan.existing_batch) return *plan.existing_batch;
    BatchSpan span{0, 0, plan.period_start, period_end};
    TRY_ASSIGN(span.seq_after,
               single_integer(db, "SELECT coalesce(max(seq_through), 0) FROM billing_batches",
                              no_parameters));
    TRY_ASSIGN(auto stored,
               single_integer(db, "SELECT coalesce(max(seq), 0) FROM sessions", no_parameters));
    span.seq_through = std::max(span.seq_after, stored);
    TRY_ASSIGN(auto counts, count_batch(db, span));
    TRY(run(db,
            "INSERT INTO billing_batches(period_start, period_end, closed_at, closed_by, "
            "seq_after, seq_through, sessions, late_sessions) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            [&](db::Statement& st) {
                st.bind(1, plan.period_start).bind(2, period_end).bind(3, now).bind(4, actor);
                st.bind(5, span.seq_after).bind(6, span.seq_through);
                st.bind(7, counts.sessions).bind(8, counts.late);
            }));
    std::int64_t batch_id = db.last_insert_rowid();
    std::string after = "{\"batch_id\":" + std::to_string(batch_id) +
                        ",\"period_start\":" + std::to_string(plan.period_start) +
                        ",\"period_end\":" + std::to_string(period_end) +
                        ",\"sessions\":" + std::to_string(counts.sessions) + "}";
    TRY(detail::audit(db, now, actor, "billing.close", std::to_string(batch_id), "", after));
    return batch_id;
}

}  // namespace

Result<std::vector<EndedInFuture>> Billing::ended_after(UnixMs now) {
    return rows_of<EndedInFuture>(
        db_,
        "SELECT s.site, s.machine, count(*), max(s.ended_at) FROM sessions s INDEXED BY "
        "sessions_usage WHERE s.ended_at > ?1 AND " +
            std::string(kBatchOfSession) + " IS NULL GROUP BY s.site, s.machine ORDER BY 1, 2",
        [&](db::Statement& st) { st.bind(1, now); },
        [](const db::Statement& st) {
            return EndedInFuture{st.text(0), st.text(1), st.int64(2), st.int64(3)};
        });
}

Result<std::optional<BillingBatch>> Billing::batch(std::int64_t id) {
    return detail::first_row<BillingBatch>(
        db_, std::string(kBatchSelect) + "WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); }, read_batch);
}

Result<std::optional<BatchSpan>> Billing::span(std::int64_t id) {
    return detail::first_row<BatchSpan>(
        db_, std::string(kSpanSelect) + "WHERE id = ?1", [&](db::Statement& st) { st.bind(1, id); },
        read_span);
}

Result<std::vector<BillingBatch>> Billing::batches() {
    return rows_of<BillingBatch>(db_, std::string(kBatchSelect) + "ORDER BY id", no_parameters,
                                 read_batch);
}

Result<std::vector<CurrencyTotal>> Billing::batch_totals(std::int64_t id) {
    TRY_ASSIGN(auto found, span(id));
    if (!found) return std::vector<CurrencyTotal>{};
    return rows_of<CurrencyTotal>(
        db_,
        "SELECT currency, count(*), sum(coalesce(amount_minor, 0)) FROM (" +
            batch_sessions_sql("s.currency, s.amount_minor") +
            ") WHERE currency != '' GROUP BY currency ORDER BY currency",
        [&](db::Statement& st) { bind_span(st, *found); },
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

}  // namespace fabgate::ledger

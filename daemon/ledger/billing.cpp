// Billing periods and batch export. At a million sessions a period, each reads one index in
// order and does its grouping and labelling in memory over a few hundred members
// (docs/ledger-schema.md, "Performance").
#include "ledger/billing.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <unordered_map>

#include "core/billing.hpp"
#include "ledger/db_util.hpp"

namespace fabgate::ledger {

using detail::for_each_row;
using detail::no_parameters;
using detail::rows_of;
using detail::run;

std::string batch_sessions_sql(std::string_view columns) {
    std::string sql;
    sql.append("SELECT ").append(columns).append(
        " FROM sessions s WHERE s.seq > ?1 AND s.seq <= ?2 AND s.ended_at < ?4 UNION ALL SELECT ");
    sql.append(columns).append(
        " FROM sessions s INDEXED BY sessions_usage WHERE s.ended_at >= ?3 AND s.ended_at < ?4 "
        "AND s.seq <= ?1");
    return sql;
}

void bind_span(db::Statement& st, const BatchSpan& span) {
    st.bind(1, span.seq_after).bind(2, span.seq_through);
    st.bind(3, span.period_start).bind(4, span.period_end);
}

namespace {

constexpr std::string_view kCsvHeader =
    "session_id,member_id,member_name,member_class,site,machine,started_at_ms,ended_at_ms,"
    "powered_minutes,billable_minutes,tariff_id,amount_minor,amount,currency,clock_synced,"
    "minimum,combined_with,rounded";

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

// A batch's CSV lines, buffered and then written in the export's order (member id, start,
// session id, as ORDER BY member_id, started_at, id would give). Reading the rows in index order
// and sorting small keys in memory costs less than half of SQLite sorting a million whole rows;
// the lines are held in one buffer (about 140 bytes a session), not one string each.
class BatchLines {
  public:
    // Sized once from the batch's count: growing a 140 MB buffer by doubling copied it whole
    // each time (5% of the export).
    void reserve(std::int64_t sessions) {
        auto n = static_cast<std::size_t>(std::max<std::int64_t>(sessions, 0));
        keys_.reserve(n);
        text_.reserve(n * 144);
        ids_.reserve(n * 36);
    }

    void add_member(std::string_view id, std::string_view name, std::string_view member_class) {
        auto& member = member_at(id);
        member.cells.clear();
        append_csv_field(member.cells, name);
        member.cells.push_back(',');
        append_csv_field(member.cells, member_class);
    }

    void add(const db::Statement& st) {
        auto id = st.text_view(0);
        auto& member = member_at(st.text_view(1));
        Key key{member.index, st.int64(4), ids_.size(), id.size(), text_.size(), 0};
        ids_.append(id);
        append_csv_field(text_, id);
        text_.push_back(',');
        append_csv_field(text_, member.id);
        text_.push_back(',');
        text_.append(member.cells.empty() ? std::string_view(",") : member.cells);
        for (int c : {2, 3}) {
            text_.push_back(',');
            append_csv_field(text_, st.text_view(c));
        }
        for (int c : {4, 5, 6, 7}) {
            text_.push_back(',');
            append_number(text_, st.int64(c));
        }
        append_money(st);
        text_.append(st.int64(11) ? ",1" : ",0");
        text_.append(st.int64(12) ? ",1," : ",0,");
        append_csv_field(text_, st.text_view(13));
        text_.append(st.int64(14) ? ",1" : ",0");
        key.line_length = text_.size() - key.line_offset;
        keys_.push_back(key);
    }

    void each_line(const std::function<void(std::string_view line)>& sink) const {
        std::string_view text(text_);
        for (const auto& k : keys_) sink(text.substr(k.line_offset, k.line_length));
    }

    // Whole lines ending in \n, about 64 KiB at a time: a file written through an ostream
    // costs one call per block instead of one per line (a third of the export, measured).
    void each_block(std::string_view header,
                    const std::function<void(std::string_view text)>& write) const {
        constexpr std::size_t kBlock = 64 * 1024;
        std::string block;
        block.reserve(kBlock + 1024);
        block.append(header).push_back('\n');
        std::string_view text(text_);
        for (const auto& k : keys_) {
            block.append(text.substr(k.line_offset, k.line_length)).push_back('\n');
            if (block.size() >= kBlock) {
                write(block);
                block.clear();
            }
        }
        if (!block.empty()) write(block);
    }

    void sort() { sort_keys(); }

  private:
    struct Member {
        std::string id;
        std::string cells;  // name and class, made once per member ("," when unknown)
        std::size_t index = 0;
    };
    struct Key {
        std::size_t member;  // index into members_, ranked by id before sorting
        std::int64_t started_at;
        std::size_t id_offset, id_length;
        std::size_t line_offset, line_length;
    };

    Member& member_at(std::string_view id) {
        auto found = by_id_.find(id);
        if (found != by_id_.end()) return *members_[found->second];
        members_.push_back(std::make_unique<Member>(Member{std::string(id), "", members_.size()}));
        by_id_.emplace(std::string(id), members_.back()->index);
        return *members_.back();
    }

    // tariff_id, amount_minor, amount, currency: empty cells when unpriced.
    void append_money(const db::Statement& st) {
        auto currency = st.text_view(10);
        text_.push_back(',');
        if (!st.is_null(8)) append_number(text_, st.int64(8));
        text_.push_back(',');
        bool priced = !st.is_null(9);
        if (priced) append_number(text_, st.int64(9));
        text_.push_back(',');
        if (priced) append_minor(text_, st.int64(9), decimals_of(currency));
        text_.push_back(',');
        append_csv_field(text_, currency);
    }

    // A lab bills in one or two currencies: looked up once per change, not once per line.
    int decimals_of(std::string_view currency) {
        if (currency != last_currency_) {
            last_currency_.assign(currency);
            last_decimals_ = currency_decimals(currency);
        }
        return last_decimals_;
    }

    // Members are few and sessions many: the keys are bucketed by member rank (a counting
    // sort), and only each member's own sessions are compared, by start and id.
    void sort_keys() {
        std::vector<std::size_t> order(members_.size());
        for (std::size_t n = 0; n < order.size(); ++n) order[n] = n;
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return members_[a]->id < members_[b]->id; });
        std::vector<std::size_t> rank(members_.size());
        for (std::size_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
        std::vector<std::size_t> bucket_start(members_.size() + 1, 0);
        for (auto& k : keys_) {
            k.member = rank[k.member];
            ++bucket_start[k.member + 1];
        }
        for (std::size_t m = 0; m < members_.size(); ++m) bucket_start[m + 1] += bucket_start[m];
        std::vector<Key> sorted(keys_.size());
        auto next = bucket_start;
        for (const auto& k : keys_) sorted[next[k.member]++] = k;
        std::string_view ids(ids_);
        auto by_start_then_id = [&](const Key& a, const Key& b) {
            if (a.started_at != b.started_at) return a.started_at < b.started_at;
            return ids.substr(a.id_offset, a.id_length) < ids.substr(b.id_offset, b.id_length);
        };
        for (std::size_t m = 0; m < members_.size(); ++m)
            std::sort(sorted.begin() + static_cast<std::ptrdiff_t>(bucket_start[m]),
                      sorted.begin() + static_cast<std::ptrdiff_t>(bucket_start[m + 1]),
                      by_start_then_id);
        keys_ = std::move(sorted);
    }

    std::vector<std::unique_ptr<Member>> members_;
    std::unordered_map<std::string, std::size_t, detail::TextHash, std::equal_to<>> by_id_;
    std::vector<Key> keys_;
    std::string text_;
    std::string ids_;
    std::string last_currency_;
    int last_decimals_ = currency_decimals("");
};

// The batch's lines, formatted and sorted in the export's order.
Result<BatchLines> read_batch_lines(Billing& billing, db::Database& db, std::int64_t batch_id) {
    TRY_ASSIGN(auto found, billing.span(batch_id));
    if (!found) return fail("billing", "no batch " + std::to_string(batch_id));
    TRY_ASSIGN(auto batch, billing.batch(batch_id));
    BatchLines lines;
    if (batch) lines.reserve(batch->sessions);
    TRY(for_each_row(db, "SELECT id, name, member_class FROM members", no_parameters,
                     [&](const db::Statement& st) {
                         lines.add_member(st.text_view(0), st.text_view(1), st.text_view(2));
                     }));
    // Unordered: the sort is done on the buffered lines' keys (BatchLines).
    TRY(for_each_row(
        db,
        batch_sessions_sql("s.id, s.member_id, s.site, s.machine, s.started_at, s.ended_at, "
                           "(s.powered_ms + 59999) / 60000, (s.billable_s + 59) / 60, "
                           "s.tariff_id, s.amount_minor, s.currency, s.clock_synced, "
                           "s.minimum_applied, coalesce(s.combined_with, ''), s.rounded"),
        [&](db::Statement& st) { bind_span(st, *found); },
        [&](const db::Statement& st) { lines.add(st); }));
    lines.sort();
    return Result<BatchLines>(std::move(lines));
}

}  // namespace

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

Status Billing::export_batch_csv(std::int64_t batch_id,
                                 const std::function<void(std::string_view line)>& sink) {
    TRY_ASSIGN(auto lines, read_batch_lines(*this, db_, batch_id));
    sink(kCsvHeader);
    lines.each_line(sink);
    return {};
}

Status Billing::export_batch_csv_text(std::int64_t batch_id,
                                      const std::function<void(std::string_view text)>& write) {
    TRY_ASSIGN(auto lines, read_batch_lines(*this, db_, batch_id));
    lines.each_block(kCsvHeader, write);
    return {};
}

}  // namespace fabgate::ledger

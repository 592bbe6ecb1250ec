// A batch's CSV export (docs/ledger-schema.md, "Batch export"): what `fabctl billing export`
// waits for, a million sessions in under 2 s ("Performance"). The rows are read in storage
// order, each formatted once into one buffer, and written in the export's order from small
// sorted keys.
#include <algorithm>
#include <charconv>
#include <iterator>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/billing.hpp"
#include "ledger/billing.hpp"
#include "ledger/db_util.hpp"
#include "ledger/rows_in_place.hpp"
#include "ledger/tariff_book.hpp"

namespace fabgate::ledger {

namespace {

using detail::for_each_row;
using detail::int64_of;
using detail::is_null;
using detail::no_parameters;
using detail::text_of;

constexpr std::string_view kCsvHeader =
    "session_id,member_id,member_name,member_class,site,machine,started_at_ms,ended_at_ms,"
    "powered_minutes,billable_minutes,tariff_id,amount_minor,amount,currency,clock_synced,"
    "minimum,combined_with,rounded";

// The columns BatchLines::add reads, in its order (a NULL combined_with reads as empty text).
constexpr std::string_view kExportColumns =
    "s.id, s.member_id, s.site, s.machine, s.started_at, s.ended_at, "
    "(s.powered_ms + 59999) / 60000, (s.billable_s + 59) / 60, s.tariff_id, s.amount_minor, "
    "s.currency, s.clock_synced, s.minimum_applied, s.combined_with, s.rounded";
constexpr int kExportColumnCount = 15;
constexpr const char* kLineFunction = "fabgate_export_line";

// A run of cells of bounded width (numbers, flags, commas) written through a pointer and
// appended to the line at once: one std::string append per cell was a fifth of the export.
class FixedCells {
  public:
    FixedCells& comma() {
        *end_++ = ',';
        return *this;
    }
    FixedCells& number(std::int64_t n) {
        end_ = std::to_chars(end_, std::end(buf_), n).ptr;
        return *this;
    }
    FixedCells& flag(std::int64_t value) {
        *end_++ = value ? '1' : '0';
        return *this;
    }
    void append_to(std::string& out) {
        out.append(buf_, end_);
        end_ = buf_;
    }

  private:
    char buf_[160];  // the longest run: 6 numbers of at most 20 characters, and 7 commas
    char* end_ = buf_;
};

// A batch's CSV lines, buffered and then written in the export's order (member id, start,
// session id, as ORDER BY member_id, started_at, id would give). Reading the rows in storage
// order and sorting small keys in memory costs less than half of SQLite sorting a million whole
// rows; the lines are held in one buffer (about 140 bytes a session), not one string each.
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

    std::size_t size() const { return keys_.size(); }

    void keep_decimals(KeptDecimals kept) { kept_ = std::move(kept); }

    void add_member(std::string_view id, std::string_view name, std::string_view member_class) {
        auto& member = member_at(id);
        member.name_cells = csv_field(id);
        member.name_cells.push_back(',');
        append_csv_field(member.name_cells, name);
        member.name_cells.push_back(',');
        member.cells = member.name_cells;
        append_csv_field(member.cells, member_class);
    }

    // A row of member_class_history, read after every member and in valid_from order per member.
    void add_class_from(std::string_view id, std::int64_t valid_from,
                        std::string_view member_class) {
        auto& member = member_at(id);
        auto cells = member.name_cells;
        append_csv_field(cells, member_class);
        member.classes.push_back(ClassFrom{valid_from, std::move(cells)});
    }

    // One row of kExportColumns.
    void add(sqlite3_value** column) {
        auto id = text_of(column[0]);
        auto& member = member_at(text_of(column[1]));
        auto started_at = int64_of(column[4]);
        keys_.push_back(Key{member.index, started_at, ids_.size(), id.size(), text_.size(), 0});
        ids_.append(id);
        append_csv_field(text_, id);
        text_.push_back(',');
        text_.append(member.cells_at(started_at));
        for (int c : {2, 3}) {
            text_.push_back(',');
            append_csv_field(text_, text_of(column[c]));
        }
        FixedCells cells;
        cells.comma().number(started_at);
        for (int c : {5, 6, 7}) cells.comma().number(int64_of(column[c]));
        cells.comma();
        if (!is_null(column[8])) cells.number(int64_of(column[8]));
        cells.comma();
        bool priced = !is_null(column[9]);
        if (priced) cells.number(int64_of(column[9]));
        cells.comma().append_to(text_);
        const auto& currency = currency_of(text_of(column[10]));
        if (priced) append_minor(text_, int64_of(column[9]), currency.decimals);
        text_.push_back(',');
        text_.append(currency.cell);
        cells.comma().flag(int64_of(column[11])).comma().flag(int64_of(column[12])).comma();
        cells.append_to(text_);
        append_csv_field(text_, text_of(column[13]));
        cells.comma().flag(int64_of(column[14])).append_to(text_);
        keys_.back().line_length = text_.size() - keys_.back().line_offset;
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
    struct ClassFrom {
        std::int64_t valid_from;
        std::string cells;  // id, name and this class
    };
    struct Member {
        std::string id;
        // id, name and current class, made once per member (",," after the id: unknown).
        std::string cells;
        std::size_t index = 0;
        std::string name_cells;          // id and name, each followed by a comma
        std::vector<ClassFrom> classes;  // member_class_history, by valid_from

        // A line carries the class that priced it: the one in force at its start, as ingest
        // chose it (session_ingest_pricing.cpp, member_class_at); without history, the current
        // class. A member has a handful of rows, so the search costs little per line.
        const std::string& cells_at(std::int64_t started_at) const {
            auto after = std::upper_bound(
                classes.begin(), classes.end(), started_at,
                [](std::int64_t at, const ClassFrom& c) { return at < c.valid_from; });
            return after == classes.begin() ? cells : std::prev(after)->cells;
        }
    };
    struct Key {
        std::size_t member;  // index into members_, ranked by id before sorting
        std::int64_t started_at;
        std::size_t id_offset, id_length;
        std::size_t line_offset, line_length;
    };
    struct Currency {
        std::string code;
        std::string cell;
        int decimals = 0;
    };

    Member& member_at(std::string_view id) {
        auto found = by_id_.find(id);
        if (found != by_id_.end()) return *members_[found->second];
        members_.push_back(std::make_unique<Member>(Member{
            std::string(id), csv_field(id) + ",,", members_.size(), csv_field(id) + ",,", {}}));
        by_id_.emplace(std::string(id), members_.back()->index);
        return *members_.back();
    }

    // A lab bills in one or two currencies: the cell and decimals are made once per change, not
    // once per line.
    const Currency& currency_of(std::string_view code) {
        if (code != currency_.code)
            currency_ =
                Currency{std::string(code), csv_field(code), currency_decimals(code, kept_)};
        return currency_;
    }

    // Members are few and sessions many: the keys are bucketed by member rank (a counting
    // sort), and only each member's own sessions are compared, by start and id. Storage order
    // is mostly start order already, so a member's run is first checked, then sorted if needed.
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
        for (std::size_t m = 0; m < members_.size(); ++m) {
            auto first = sorted.begin() + static_cast<std::ptrdiff_t>(bucket_start[m]);
            auto last = sorted.begin() + static_cast<std::ptrdiff_t>(bucket_start[m + 1]);
            if (!std::is_sorted(first, last, by_start_then_id))
                std::sort(first, last, by_start_then_id);
        }
        keys_ = std::move(sorted);
    }

    std::vector<std::unique_ptr<Member>> members_;
    std::unordered_map<std::string, std::size_t, detail::TextHash, std::equal_to<>> by_id_;
    std::vector<Key> keys_;
    std::string text_;
    std::string ids_;
    Currency currency_{"", "", currency_decimals("")};
    KeptDecimals kept_;
};

// The batch's lines, formatted and sorted in the export's order.
Result<BatchLines> read_batch_lines(Billing& billing, db::Database& db, std::int64_t batch_id) {
    TRY_ASSIGN(auto span, billing.span(batch_id));
    if (!span) return fail("billing", "no batch " + std::to_string(batch_id));
    TRY_ASSIGN(auto batch, billing.batch(batch_id));
    BatchLines lines;
    if (batch) lines.reserve(batch->sessions);
    TRY_ASSIGN(auto kept, kept_currency_decimals(db));
    lines.keep_decimals(std::move(kept));
    TRY(for_each_row(db, "SELECT id, name, member_class FROM members", no_parameters,
                     [&](const db::Statement& st) {
                         lines.add_member(st.text_view(0), st.text_view(1), st.text_view(2));
                     }));
    // Its primary key's order: each member's rows by valid_from, as cells_at searches them.
    TRY(for_each_row(db,
                     "SELECT member_id, valid_from, member_class FROM member_class_history "
                     "ORDER BY member_id, valid_from",
                     no_parameters, [&](const db::Statement& st) {
                         lines.add_class_from(st.text_view(0), st.int64(1), st.text_view(2));
                     }));
    // Each row handed over inside SQLite's loop (rows_in_place.hpp).
    auto line = std::string(kLineFunction) + "(" + std::string(kExportColumns) + ")";
    TRY(detail::read_rows_in_place(
        db, kLineFunction, kExportColumnCount, sessions_stored_since_previous_close_sql(line),
        [&](db::Statement& st) { bind_span(st, *span); }, lines));
    // A closed batch never changes (sessions are never deleted, and their seq and ended_at
    // never updated: schema.hpp's triggers), so its count less the rows read above is exactly
    // how many the second range holds. Stored before the previous close, they ended early in
    // the period: the scan of the period's ends stops after the last of them instead of
    // walking a million index entries to reject them. Without a count, no limit (-1).
    auto stored_earlier =
        batch ? batch->sessions - static_cast<std::int64_t>(lines.size()) : std::int64_t{-1};
    if (stored_earlier != 0)
        TRY(detail::read_rows_in_place(
            db, kLineFunction, kExportColumnCount,
            sessions_stored_before_previous_close_sql(line) + " LIMIT ?5",
            [&](db::Statement& st) {
                bind_span(st, *span);
                st.bind(5, stored_earlier);
            },
            lines));
    lines.sort();
    return Result<BatchLines>(std::move(lines));
}

}  // namespace

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

#include "ledger/reports.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "ledger/billing.hpp"
#include "ledger/columns.hpp"
#include "ledger/db_util.hpp"
#include "ledger/rows_in_place.hpp"

namespace fabgate::ledger {

using detail::first_row;
using detail::for_each_row;
using detail::no_parameters;
using detail::rows_of;
using detail::text_of;

namespace {

const std::string kStoredSelect =
    "SELECT id, site, machine, uid, member_id, role, started_at, ended_at, clock_synced, "
    "powered_ms, active_ms, end_reason, ended_by, payload_hash, received_at, " +
    std::string(kBatchOfSession) +
    ", tariff_id, billable_s, amount_minor, currency, minimum_applied, rounded, combined_with "
    "FROM sessions s ";

StoredSession read_stored(const db::Statement& st) {
    StoredSession out;
    auto& r = out.record;
    detail::read_columns(st, 0, r.id, r.site, r.machine, r.uid, r.member,
                         detail::named(r.role, role_from_string, Role::User), r.started_at,
                         r.ended_at, r.clock_synced, r.powered_ms, r.active_ms,
                         detail::named(r.end_reason, end_reason_from_string, EndReason::BadgeOut),
                         r.ended_by, out.payload_hash, out.received_at, out.batch_id, out.tariff_id,
                         out.billable_s, out.amount_minor, out.currency, out.minimum_applied,
                         out.rounded, out.combined_with);
    return out;
}

const std::string kLineSelect =
    "SELECT s.id, s.site, s.machine, coalesce(m.name, ''), s.member_id, coalesce(mb.name, ''), "
    "s.uid, s.role, s.started_at, s.ended_at, s.clock_synced, s.powered_ms, s.active_ms, "
    "s.billable_s, s.end_reason, s.tariff_id, s.amount_minor, s.currency, " +
    std::string(kBatchOfSession) +
    ", "
    "s.minimum_applied, s.combined_with, s.rounded "
    "FROM sessions s LEFT JOIN machines m ON m.site = s.site AND m.id = s.machine "
    "LEFT JOIN members mb ON mb.id = s.member_id ";

SessionLine read_line(const db::Statement& st) {
    SessionLine l;
    detail::read_columns(st, 0, l.id, l.site, l.machine, l.machine_name, l.member_id, l.member_name,
                         l.uid, l.role, l.started_at, l.ended_at, l.clock_synced, l.powered_ms,
                         l.active_ms, l.billable_s, l.end_reason, l.tariff_id, l.amount_minor,
                         l.currency, l.batch_id);
    auto add_rule = [&](std::string rule) { l.rules += (l.rules.empty() ? "" : ", ") + rule; };
    if (st.int64(19)) add_rule("minimum");
    if (auto root = st.optional_text(20)) add_rule("combined with " + *root);
    if (st.int64(21)) add_rule("rounded");
    return l;
}

// One group of a usage report: (member id, "", currency) or (site, machine, currency).
struct UsageGroup {
    std::string first, second, currency;
    UsageRow row;
};

// FNV-1a: the keys are ids of a few bytes, where std::hash's Murmur cost more than the lookup.
struct ShortTextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
        return static_cast<std::size_t>(detail::Fnv1a64().add(text).value());
    }
};

// Groups found by their owner's text in place, then by currency (a million rows, a few hundred
// owners with one or two currencies each).
struct UsageSums {
    explicit UsageSums(bool per_member) : by_member(per_member) {}

    bool by_member;
    std::vector<UsageGroup> groups;
    // The owner: the member id, or the site's length then the site and the machine, so that no
    // two (site, machine) pairs share a key. Its groups, one per currency.
    std::unordered_map<std::string, std::vector<std::size_t>, ShortTextHash, std::equal_to<>>
        owners;
    std::string key;

    // (first, second, currency, powered_ms, active_ms, billable_s, amount_minor, tariff_id)
    void add(sqlite3_value** values) {
        auto first = text_of(values[0]);
        auto second = text_of(values[1]);
        auto currency = text_of(values[2]);
        std::string_view owner = first;
        if (!by_member) {
            auto size = static_cast<std::uint32_t>(first.size());
            key.assign(reinterpret_cast<const char*>(&size), sizeof size).append(first);
            owner = key.append(second);
        }
        auto found = owners.find(owner);
        if (found == owners.end()) found = owners.emplace(owner, std::vector<std::size_t>()).first;
        UsageRow* row = nullptr;
        for (auto group : found->second) {
            if (groups[group].currency == currency) {
                row = &groups[group].row;
                break;
            }
        }
        if (!row) {
            found->second.push_back(groups.size());
            groups.push_back({std::string(first), std::string(second), std::string(currency), {}});
            row = &groups.back().row;
        }
        ++row->sessions;
        row->powered_ms += sqlite3_value_int64(values[3]);
        row->active_ms += sqlite3_value_int64(values[4]);  // NULL reads as 0
        row->billable_s += sqlite3_value_int64(values[5]);
        row->amount_minor += sqlite3_value_int64(values[6]);
        row->unpriced += sqlite3_value_type(values[7]) == SQLITE_NULL;
    }
};

}  // namespace

// Where the SQL function finds the report being summed: set only while sum_usage steps.
struct UsageSumSlot {
    UsageSums* sums = nullptr;
};

namespace {

// Points the slot at a report's sums for one scope, however it is left.
class SummingInto {
  public:
    SummingInto(UsageSumSlot& slot, UsageSums& sums) : slot_(slot) { slot_.sums = &sums; }
    ~SummingInto() { slot_.sums = nullptr; }
    SummingInto(const SummingInto&) = delete;
    SummingInto& operator=(const SummingInto&) = delete;

  private:
    UsageSumSlot& slot_;
};

constexpr const char* kUsageSumFunction = "fabgate_usage_sum";

void add_session(sqlite3_context* context, int, sqlite3_value** values) {
    auto* slot = static_cast<UsageSumSlot*>(sqlite3_user_data(context));
    if (!slot->sums) {
        sqlite3_result_error(context, "no usage report is being summed", -1);
        return;
    }
    detail::without_unwinding(context, [&] { slot->sums->add(values); });
}

void finish_sums(sqlite3_context* context) {
    sqlite3_result_null(context);
}

// Registered once per connection, the first time a report is summed on it. The connection
// owns the slot (and frees it when it closes, after Reports, which lives beside it).
Result<UsageSumSlot*> usage_sum_function(db::Database& db) {
    auto slot = std::make_unique<UsageSumSlot>();
    auto* registered = slot.get();
    // SQLite calls the destructor also when the registration fails.
    if (sqlite3_create_function_v2(
            db.handle(), kUsageSumFunction, 8, SQLITE_UTF8 | SQLITE_DIRECTONLY, slot.release(),
            nullptr, add_session, finish_sums,
            [](void* owned) { delete static_cast<UsageSumSlot*>(owned); }) != SQLITE_OK)
        return fail(db.path(), std::string("cannot register ") + kUsageSumFunction + ": " +
                                   sqlite3_errmsg(db.handle()));
    return registered;
}

// Every session that ended in [from, to), summed per group, from the covering index
// sessions_usage alone: no table row is read and no temporary B-tree is built. The rows are
// summed inside SQLite's loop by an aggregate function, so no row comes back through
// sqlite3_step and the column calls (half the CPU when each row did); the groups are put in
// the reports' order at the end.
Result<std::vector<UsageGroup>> sum_usage(db::Database& db, UsageSumSlot& slot, UnixMs from,
                                          UnixMs to, bool by_member) {
    UsageSums sums(by_member);
    {
        SummingInto summing(slot, sums);
        TRY(for_each_row(
            db,
            std::string("SELECT ") + kUsageSumFunction +
                (by_member ? "(member_id, ''" : "(site, machine") +
                ", currency, powered_ms, active_ms, billable_s, amount_minor, tariff_id) FROM "
                "sessions INDEXED BY sessions_usage WHERE ended_at >= ?1 AND ended_at < ?2",
            [&](db::Statement& st) { st.bind(1, from).bind(2, to); }, [](const db::Statement&) {}));
    }
    std::sort(sums.groups.begin(), sums.groups.end(), [](const UsageGroup& a, const UsageGroup& b) {
        return std::tie(a.first, a.second, a.currency) < std::tie(b.first, b.second, b.currency);
    });
    return std::move(sums.groups);
}

// Names by key (members: id; machines: "site/machine"), read once per report.
Result<std::unordered_map<std::string, std::string>> names(db::Database& db, std::string_view sql) {
    std::unordered_map<std::string, std::string> out;
    TRY(for_each_row(db, sql, no_parameters,
                     [&](const db::Statement& st) { out.emplace(st.text(0), st.text(1)); }));
    return out;
}

Result<std::vector<UsageRow>> usage_rows(db::Database& db, UsageSumSlot& slot, UnixMs from,
                                         UnixMs to, bool by_member) {
    TRY_ASSIGN(auto groups, sum_usage(db, slot, from, to, by_member));
    TRY_ASSIGN(auto labels, names(db, by_member ? "SELECT id, name FROM members"
                                                : "SELECT site || '/' || id, name FROM machines"));
    std::vector<UsageRow> out;
    out.reserve(groups.size());
    for (auto& group : groups) {
        auto& row = group.row;
        row.key = by_member ? group.first : group.first + "/" + group.second;
        auto label = labels.find(row.key);
        if (label != labels.end()) row.label = label->second;
        row.currency = std::move(group.currency);
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace

Result<std::optional<StoredSession>> Reports::session(std::string_view id) {
    return first_row<StoredSession>(
        db_, std::string(kStoredSelect) + "WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); }, read_stored);
}

Result<std::vector<StoredSession>> Reports::sessions_between(UnixMs from, UnixMs to, int limit) {
    return rows_of<StoredSession>(
        db_,
        std::string(kStoredSelect) +
            "WHERE ended_at >= ?1 AND ended_at < ?2 ORDER BY ended_at, id LIMIT ?3",
        [&](db::Statement& st) { st.bind(1, from).bind(2, to).bind(3, limit); }, read_stored);
}

Result<std::int64_t> Reports::session_count() {
    std::int64_t n = 0;
    TRY(for_each_row(db_, "SELECT count(*) FROM sessions", no_parameters,
                     [&](const db::Statement& st) { n = st.int64(0); }));
    return n;
}

Result<std::vector<UsageRow>> Reports::usage(UnixMs from, UnixMs to, bool by_member) {
    if (!usage_sum_slot_) {
        TRY_ASSIGN(usage_sum_slot_, usage_sum_function(db_));
    }
    return usage_rows(db_, *usage_sum_slot_, from, to, by_member);
}

Result<std::vector<UsageRow>> Reports::usage_by_member(UnixMs from, UnixMs to) {
    return usage(from, to, true);
}

Result<std::vector<UsageRow>> Reports::usage_by_machine(UnixMs from, UnixMs to) {
    return usage(from, to, false);
}

Result<std::vector<SessionLine>> Reports::recent_sessions_of(std::string_view member, int limit) {
    return rows_of<SessionLine>(
        db_,
        std::string(kLineSelect) +
            "WHERE s.member_id = ?1 ORDER BY s.started_at DESC, s.id LIMIT ?2",
        [&](db::Statement& st) { st.bind(1, member).bind(2, limit); }, read_line);
}

Result<std::vector<SessionLine>> Reports::sessions_ended_between(UnixMs from, UnixMs to) {
    return rows_of<SessionLine>(
        db_,
        std::string(kLineSelect) +
            "WHERE s.ended_at >= ?1 AND s.ended_at < ?2 ORDER BY s.started_at, s.id",
        [&](db::Statement& st) { st.bind(1, from).bind(2, to); }, read_line);
}

Result<std::vector<SessionLine>> Reports::sessions_in_batch(std::int64_t batch) {
    TRY_ASSIGN(auto span, Billing(db_).span(batch));
    if (!span) return std::vector<SessionLine>{};
    return rows_of<SessionLine>(
        db_,
        kLineSelect + "WHERE s.seq IN (" + batch_sessions_sql("s.seq") +
            ") ORDER BY s.member_id, s.started_at, s.id",
        [&](db::Statement& st) { bind_span(st, *span); }, read_line);
}

}  // namespace fabgate::ledger

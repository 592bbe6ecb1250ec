#include "ctl/queries.hpp"

#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

constexpr std::string_view kSessionSelect =
    "SELECT s.id, s.site, s.machine, coalesce(m.name, ''), s.member_id, coalesce(mb.name, ''), "
    "s.uid, s.role, s.started_at, s.ended_at, s.clock_synced, s.powered_ms, s.active_ms, "
    "s.billable_s, s.end_reason, s.tariff_id, s.amount_minor, s.currency, s.batch_id, "
    "s.minimum_applied, s.combined_with, s.rounded "
    "FROM sessions s LEFT JOIN machines m ON m.site = s.site AND m.id = s.machine "
    "LEFT JOIN members mb ON mb.id = s.member_id ";

SessionLine read_line(const db::Statement& st) {
    SessionLine l;
    l.id = st.text(0);
    l.site = st.text(1);
    l.machine = st.text(2);
    l.machine_name = st.text(3);
    l.member_id = st.text(4);
    l.member_name = st.text(5);
    l.uid = st.text(6);
    l.role = st.text(7);
    l.started_at = st.int64(8);
    l.ended_at = st.int64(9);
    l.clock_synced = st.int64(10) != 0;
    l.powered_ms = st.int64(11);
    l.active_ms = st.optional_int64(12);
    l.billable_s = st.int64(13);
    l.end_reason = st.text(14);
    l.tariff_id = st.optional_int64(15);
    l.amount_minor = st.optional_int64(16);
    l.currency = st.text(17);
    l.batch_id = st.optional_int64(18);
    auto add_rule = [&](std::string rule) { l.rules += (l.rules.empty() ? "" : ", ") + rule; };
    if (st.int64(19)) add_rule("minimum");
    if (auto root = st.optional_text(20)) add_rule("combined with " + *root);
    if (st.int64(21)) add_rule("rounded");
    return l;
}

template <class Bind>
Result<std::vector<SessionLine>> select_sessions(ledger::LedgerDb& db, std::string_view tail,
                                                 Bind bind) {
    auto st = db.database().prepare(std::string(kSessionSelect) + std::string(tail));
    if (!st) return tl::unexpected(st.error());
    bind(*st);
    std::vector<SessionLine> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        out.push_back(read_line(*st));
    }
    return out;
}

Cell optional_int_cell(const std::optional<std::int64_t>& v) {
    return v ? Cell(*v) : Cell("", nullptr);
}

}  // namespace

Result<std::vector<SessionLine>> recent_sessions_of(ledger::LedgerDb& db, std::string_view member,
                                                    int limit) {
    return select_sessions(db, "WHERE s.member_id = ?1 ORDER BY s.started_at DESC, s.id LIMIT ?2",
                           [&](db::Statement& st) { st.bind(1, member).bind(2, limit); });
}

Result<std::vector<SessionLine>> sessions_ended_between(ledger::LedgerDb& db, UnixMs from,
                                                        UnixMs to) {
    return select_sessions(db,
                           "WHERE s.ended_at >= ?1 AND s.ended_at < ?2 ORDER BY s.started_at, s.id",
                           [&](db::Statement& st) { st.bind(1, from).bind(2, to); });
}

Result<std::vector<SessionLine>> sessions_in_batch(ledger::LedgerDb& db, std::int64_t batch) {
    return select_sessions(db, "WHERE s.batch_id = ?1 ORDER BY s.member_id, s.started_at, s.id",
                           [&](db::Statement& st) { st.bind(1, batch); });
}

Table session_table(const std::vector<SessionLine>& sessions) {
    Table t{{"session"},
            {"started", false, "started_at"},
            {"ended", false, "ended_at"},
            {"machine"},
            {"member"},
            {"name"},
            {"powered_min", true, "powered_ms"},
            {"active_min", true, "active_ms"},
            {"billable_min", true, "billable_s"},
            {"amount", true, "amount_minor"},
            {"currency"},
            {"tariff", true, "tariff_id"},
            {"end_reason"},
            {"batch", true, "batch_id"},
            {"rules"}};
    for (const auto& s : sessions) {
        Cell active =
            s.active_ms ? Cell(format_minutes(*s.active_ms), *s.active_ms) : Cell("", nullptr);
        Cell amount = s.amount_minor
                          ? Cell(format_amount(*s.amount_minor, s.currency), *s.amount_minor)
                          : Cell("", nullptr);
        Cell tariff = s.tariff_id ? Cell(*s.tariff_id) : Cell("none", nullptr);
        t.add({s.id, Cell(format_short(s.started_at), format_iso(s.started_at)),
               Cell(format_short(s.ended_at), format_iso(s.ended_at)), s.site + "/" + s.machine,
               s.member_id, s.member_name, Cell(format_minutes(s.powered_ms), s.powered_ms), active,
               Cell(format_minutes(s.billable_s * 1000), s.billable_s), amount, s.currency, tariff,
               s.end_reason, optional_int_cell(s.batch_id), s.rules});
    }
    return t;
}

Result<ledger::Machine> find_machine(ledger::LedgerDb& db, std::string_view ref) {
    if (auto slash = ref.find('/'); slash != std::string_view::npos) {
        auto m = db.machine(ref.substr(0, slash), ref.substr(slash + 1));
        if (!m) return tl::unexpected(m.error());
        if (!*m)
            return fail("machine " + std::string(ref),
                        "is not registered (see `fabctl machines list`)");
        return **m;
    }
    auto all = db.machines();
    if (!all) return tl::unexpected(all.error());
    std::vector<ledger::Machine> found;
    for (auto& m : *all)
        if (m.id == ref) found.push_back(m);
    if (found.empty())
        return fail("machine " + std::string(ref),
                    "is not registered (see `fabctl machines list`)");
    if (found.size() > 1)
        return fail("machine " + std::string(ref), "exists on several sites: write SITE/" +
                                                       std::string(ref) + ", e.g. " +
                                                       found[0].site + "/" + std::string(ref));
    return found.front();
}

}  // namespace fabgate::ctl

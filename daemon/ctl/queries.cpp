#include "ctl/queries.hpp"

#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

Cell optional_int_cell(const std::optional<std::int64_t>& v) {
    return v ? Cell(*v) : Cell("", nullptr);
}

}  // namespace

void add_metered_columns(Table& t) {
    t.columns.insert(t.columns.end(), {{"powered_min", true, "powered_ms"},
                                       {"active_min", true, "active_ms"},
                                       {"billable_min", true, "billable_s"},
                                       {"amount", true, "amount_minor"}});
}

void add_metered_cells(std::vector<Cell>& row, const Metered& m, const std::string& currency) {
    row.emplace_back(format_minutes(m.powered_ms), m.powered_ms);
    row.push_back(m.active_ms ? Cell(format_minutes(*m.active_ms), *m.active_ms)
                              : Cell("", nullptr));
    row.emplace_back(format_minutes(m.billable_s * 1000), m.billable_s);
    row.push_back(m.amount_minor ? Cell(format_amount(*m.amount_minor, currency), *m.amount_minor)
                                 : Cell("", nullptr));
}

Table session_table(const std::vector<ledger::SessionLine>& sessions) {
    Table t{{"session"},
            {"started", false, "started_at"},
            {"ended", false, "ended_at"},
            {"machine"},
            {"member"},
            {"name"}};
    add_metered_columns(t);
    t.columns.insert(t.columns.end(), {{"currency"},
                                       {"tariff", true, "tariff_id"},
                                       {"end_reason"},
                                       {"batch", true, "batch_id"},
                                       {"rules"}});
    for (const auto& s : sessions) {
        std::vector<Cell> row{s.id,
                              Cell(format_short(s.started_at), format_iso(s.started_at)),
                              Cell(format_short(s.ended_at), format_iso(s.ended_at)),
                              s.site + "/" + s.machine,
                              s.member_id,
                              s.member_name};
        add_metered_cells(row, {s.powered_ms, s.active_ms, s.billable_s, s.amount_minor},
                          s.currency);
        Cell tariff = s.tariff_id ? Cell(*s.tariff_id) : Cell("none", nullptr);
        row.insert(row.end(),
                   {s.currency, tariff, s.end_reason, optional_int_cell(s.batch_id), s.rules});
        t.add(std::move(row));
    }
    return t;
}

Result<ledger::Machine> find_machine(ledger::LedgerDb& db, std::string_view ref) {
    if (auto slash = ref.find('/'); slash != std::string_view::npos) {
        TRY_ASSIGN(auto m, db.machines().find(ref.substr(0, slash), ref.substr(slash + 1)));
        if (!m)
            return fail("machine " + std::string(ref),
                        "is not registered (see `fabctl machines list`)");
        return *m;
    }
    TRY_ASSIGN(auto all, db.machines().all());
    std::vector<ledger::Machine> found;
    for (auto& m : all)
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

#include "ctl/queries.hpp"

#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

Cell optional_int_cell(const std::optional<std::int64_t>& v) {
    return v ? Cell(*v) : Cell("", nullptr);
}

}  // namespace

Table session_table(const std::vector<ledger::SessionLine>& sessions) {
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

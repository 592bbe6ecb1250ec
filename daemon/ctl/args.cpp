#include "ctl/args.hpp"

#include "core/billing.hpp"
#include "core/ids.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {

tl::expected<UnixMs, Failure> time_arg(const std::string& option, const std::string& text) {
    auto t = parse_time(text);
    if (!t) return bad_argument(option, t.error());
    return *t;
}

tl::expected<std::optional<UnixMs>, Failure> until_arg(const std::string& option,
                                                       const std::string& text) {
    if (text == "never" || text == "none") return std::optional<UnixMs>{};
    if (text.empty())
        return usage_failure(option, "is empty; write a date like 2027-01-01, or never");
    TRY_ASSIGN(auto t, time_arg(option, text));
    return std::optional<UnixMs>(t);
}

tl::expected<std::int64_t, Failure> duration_arg(const std::string& option,
                                                 const std::string& text) {
    auto d = parse_duration_s(text);
    if (!d) return bad_argument(option, d.error());
    return *d;
}

tl::expected<std::int64_t, Failure> money_arg(const std::string& option, const std::string& text,
                                              const std::string& currency) {
    auto m = parse_money(text, decimals_of(currency));
    if (!m) return bad_argument(option, m.error());
    return *m;
}

std::string until_text(const std::optional<UnixMs>& t) {
    return t ? format_short(*t) : "never";
}

Cell until_cell(const std::optional<UnixMs>& t) {
    return t ? Cell(format_short(*t), format_iso(*t)) : Cell("never", nullptr);
}

Cell time_cell(UnixMs t) {
    return Cell(format_short(t), format_iso(t));
}

std::string target_text(TargetKind kind, const std::string& name) {
    return kind == TargetKind::Group ? "group " + name : name;
}

tl::expected<Target, Failure> target_arg(CommandContext& s, const std::string& machine,
                                         const std::string& group, bool must_exist) {
    if (machine.empty() == group.empty())
        return usage_failure("MACHINE", "name either a machine or --group GROUP (one of them)");
    if (!group.empty()) {
        if (!is_valid_id(group))
            return usage_failure("--group", "'" + group + "': use letters, digits, '-' and '_'");
        if (must_exist) {
            TRY_ASSIGN(auto all, s.ledger().machines().all());
            bool used = false;
            for (const auto& m : all) used = used || (m.group_name && *m.group_name == group);
            if (!used)
                *s.err << "fabctl: warning: no machine is in group '" << group
                       << "' yet (see `fabctl machines add --group`)\n";
        }
        return Target{TargetKind::Group, group};
    }
    // Rights and tariffs name a machine by id, on any site; SITE/ID is accepted and checked.
    std::string id =
        machine.substr(machine.find('/') == std::string::npos ? 0 : machine.find('/') + 1);
    if (must_exist) {
        auto m = find_machine(s.ledger(), machine);
        if (!m) {
            // The same id on several sites is fine here: the right covers all of them.
            if (m.error().what.find("several sites") == std::string::npos)
                return runtime_failure(m.error());
        }
    }
    return Target{TargetKind::Machine, id};
}

tl::expected<void, Failure> id_arg(const std::string& what, const std::string& id) {
    if (!is_valid_id(id))
        return usage_failure(what, "'" + id + "': use 1 to 64 letters, digits, '-' and '_'");
    return {};
}

}  // namespace fabgate::ctl

// rights grant | revoke | list
#include <map>

#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {
namespace {

struct GrantOptions {
    std::string member, machine, group, role = "user";
    std::optional<std::string> until;  // given empty, refused: not a right without an end

    void declare(CommandSpec command) {
        command.add_option("MEMBER", member, "member id").required();
        command.add_option("MACHINE", machine, "machine id (SITE/ID accepted); or use --group");
        command.add_option("--group", group, "a machine group instead of one machine");
        command
            .add_option("--role", role,
                        "user (default), supervisor (may take over) or maintainer (may use it "
                        "during maintenance)")
            .must_be_one_of({"user", "supervisor", "maintainer"});
        command.add_option("--until", until,
                           "training valid until this date (exclusive, UTC); default: forever");
    }
};

Outcome grant(CommandContext& s, const GrantOptions& o) {
    TRY_ASSIGN(auto target, target_arg(s, o.machine, o.group, true));
    ledger::Right r;
    r.member_id = o.member;
    r.target_kind = target.kind;
    r.target = target.name;
    r.role = *role_from_string(o.role);  // CLI checked the choices
    r.granted_by = s.person;
    if (o.until) {
        TRY_ASSIGN(r.valid_until, until_arg("--until", *o.until));
    }
    TRY(s.ledger().rights().grant(r, s.actor, s.now));
    if (s.json) {
        *s.out << dump_json(
                      {{"member", r.member_id},
                       {"kind", std::string(to_string(r.target_kind))},
                       {"target", r.target},
                       {"role", o.role},
                       {"until", r.valid_until ? JsonValue(format_iso(*r.valid_until)) : nullptr}})
               << "\n";
    } else {
        *s.out << o.member << " may use " << target_text(r.target_kind, r.target) << " as "
               << o.role << ", until " << until_text(r.valid_until) << "\n";
    }
    return {};
}

struct RevokeOptions {
    std::string member, machine, group;

    void declare(CommandSpec command) {
        command.add_option("MEMBER", member, "member id").required();
        command.add_option("MACHINE", machine, "machine id; or use --group");
        command.add_option("--group", group, "the machine group the right names");
    }
};

Outcome revoke(CommandContext& s, const RevokeOptions& o) {
    TRY_ASSIGN(auto target, target_arg(s, o.machine, o.group, false));
    TRY(s.ledger().rights().revoke(o.member, target.kind, target.name, s.actor, s.now));
    *s.out << o.member << " may no longer use " << target_text(target.kind, target.name) << "\n";
    return {};
}

struct ListOptions {
    std::string member, machine, group;

    void declare(CommandSpec command) {
        command.add_option("--member", member, "only this member's rights");
        command.add_option("--machine", machine,
                           "only rights that apply to this machine (its own and its group's)");
        command.add_option("--group", group, "only rights on this group");
    }
};

Outcome list(CommandContext& s, const ListOptions& o) {
    TRY_ASSIGN(auto rights, o.member.empty() ? s.ledger().rights().all()
                                             : s.ledger().rights().held_by(o.member));
    // --machine shows what applies there: rights on the machine and on its group.
    std::optional<ledger::Machine> machine;
    if (!o.machine.empty()) {
        TRY_ASSIGN(auto m, find_machine(s.ledger(), o.machine));
        machine = m;
    }
    TRY_ASSIGN(auto members, s.ledger().members().all());
    std::map<std::string, std::string> names;
    for (const auto& m : members) names[m.id] = m.name;

    Table t{{"member"}, {"name"},  {"target"},     {"kind"},
            {"role"},   {"until"}, {"granted_by"}, {"granted", false, "granted_at"}};
    for (const auto& r : rights) {
        if (machine) {
            bool applies = r.target_kind == TargetKind::Machine
                               ? r.target == machine->id
                               : machine->group_name && r.target == *machine->group_name;
            if (!applies) continue;
        }
        if (!o.group.empty() && !(r.target_kind == TargetKind::Group && r.target == o.group))
            continue;
        Cell until = until_cell(r.valid_until);
        if (r.valid_until && *r.valid_until <= s.now)
            until = Cell(until.text + " (expired)", until.value);
        t.add({r.member_id, names[r.member_id], r.target, std::string(to_string(r.target_kind)),
               std::string(to_string(r.role)), until, r.granted_by, time_cell(r.granted_at)});
    }
    render(t, s.format(), *s.out, "(no rights match)");
    return {};
}

}  // namespace

void add_right_commands(CommandSpec app, Invocation& inv) {
    auto rights = add_command_group(app, "rights", "who may use which machine (training records)");
    add_command<GrantOptions>(rights, inv, "grant",
                              "let a member use a machine (or every machine of a group)", grant);
    add_command<RevokeOptions>(rights, inv, "revoke", "take a right away", revoke);
    add_command<ListOptions>(rights, inv, "list", "list rights", list);
}

}  // namespace fabgate::ctl

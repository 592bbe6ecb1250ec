// members add | edit | suspend | reinstate | remove | export | forget | list | show
#include <map>

#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {
namespace {

using ledger::Member;
using ledger::MemberStatus;

constexpr int kRecentSessions = 10;

// What a gate would decide today, for the manager: suspended beats expired.
std::string standing(const Member& m, UnixMs now) {
    if (m.status == MemberStatus::Suspended) return "suspended";
    if (m.member_until && *m.member_until <= now) return "expired";
    return "active";
}

JsonValue member_json(const Member& m, UnixMs now) {
    return {{"id", m.id},
            {"name", m.name},
            {"contact", m.contact},
            {"class", m.member_class},
            {"status", std::string(to_string(m.status))},
            {"standing", standing(m, now)},
            {"until", m.member_until ? JsonValue(format_iso(*m.member_until)) : nullptr},
            {"created_at", format_iso(m.created_at)}};
}

tl::expected<Member, Failure> existing_member(CommandContext& s, const std::string& id) {
    TRY_ASSIGN(auto m, s.ledger().members().find(id));
    if (!m) return runtime_failure("member " + id, "does not exist (see `fabctl members list`)");
    return *m;
}

// The member an existing-member command acts on.
void add_member_id(CommandSpec command, std::string& id) {
    command.add_option("ID", id, "member id").required();
}

struct AddOptions {
    std::string id, name, contact, member_class = "standard";
    std::optional<std::string> until;  // given empty, refused: not a membership without an end

    void declare(CommandSpec command) {
        command.add_option("ID", id, "member id: letters, digits, '-' and '_' (e.g. m-17)")
            .required();
        command.add_option("--name", name, "full name, shown at the machine").required();
        command.add_option("--contact", contact, "e-mail or phone");
        command.add_option("--class", member_class,
                           "member class tariffs refer to: member, company, student, staff... "
                           "(default standard)");
        command.add_option(
            "--until", until,
            "membership valid until this date (exclusive, UTC); default: open-ended");
    }
};

Outcome add(CommandContext& s, const AddOptions& o) {
    TRY(id_arg("ID", o.id));
    if (o.name.empty()) return usage_failure("--name", "is empty");
    if (o.member_class.empty()) return usage_failure("--class", "is empty");
    Member m;
    m.id = o.id;
    m.name = o.name;
    m.contact = o.contact;
    m.member_class = o.member_class;
    if (o.until) {
        TRY_ASSIGN(m.member_until, until_arg("--until", *o.until));
    }
    TRY(s.ledger().members().add(m, s.actor, s.now));
    if (s.json) {
        m.created_at = s.now;
        *s.out << dump_json(member_json(m, s.now)) << "\n";
    } else {
        *s.out << "added member " << m.id << " (" << m.name << "), class " << m.member_class
               << ", until " << until_text(m.member_until) << "\n";
    }
    tell_replayed(s);
    return {};
}

struct EditOptions {
    std::string id;
    std::optional<std::string> name, contact, member_class, until;

    void declare(CommandSpec command) {
        add_member_id(command, id);
        command.add_option("--name", name, "new full name");
        command.add_option("--contact", contact, "new contact");
        command.add_option("--class", member_class, "new member class");
        command.add_option("--until", until, "membership valid until DATE (exclusive), or never");
    }
};

Outcome edit(CommandContext& s, const EditOptions& o) {
    if (!o.name && !o.contact && !o.member_class && !o.until)
        return usage_failure("members edit",
                             "nothing to change: give --name, --contact, --class "
                             "or --until");
    TRY_ASSIGN(auto m, existing_member(s, o.id));
    if (o.name) {
        if (o.name->empty()) return usage_failure("--name", "is empty");
        m.name = *o.name;
    }
    if (o.contact) m.contact = *o.contact;
    if (o.member_class) {
        if (o.member_class->empty()) return usage_failure("--class", "is empty");
        m.member_class = *o.member_class;
    }
    if (o.until) {
        TRY_ASSIGN(m.member_until, until_arg("--until", *o.until));
    }
    TRY(s.ledger().members().update(m, s.actor, s.now));
    if (s.json)
        *s.out << dump_json(member_json(m, s.now)) << "\n";
    else
        *s.out << "updated member " << m.id << " (" << m.name << "), class " << m.member_class
               << ", until " << until_text(m.member_until) << "\n";
    if (o.member_class) tell_replayed(s);
    return {};
}

struct StatusOptions {
    std::string id, reason;

    void declare(CommandSpec command) {
        add_member_id(command, id);
        command.add_option("--reason", reason, "why, kept in the audit log");
    }
};

Outcome set_status(CommandContext& s, const StatusOptions& o, MemberStatus status) {
    TRY_ASSIGN(auto before, existing_member(s, o.id));
    auto word = status == MemberStatus::Suspended ? "suspended" : "reinstated";
    if (before.status == status) {
        *s.out << "member " << o.id << " is already " << to_string(status) << "\n";
        return {};
    }
    TRY(s.ledger().members().set_status(o.id, status, s.actor, s.now));
    if (!o.reason.empty()) {
        // The members table has no place for a reason; the audit log keeps it, next to the
        // status change the ledger recorded.
        JsonValue why{{"status", std::string(to_string(status))}, {"reason", o.reason}};
        auto action =
            std::string("member.") + (status == MemberStatus::Suspended ? "suspend" : "reinstate");
        TRY(s.ledger().audit().record(s.actor, action, o.id, "", why.dump(), s.now));
    }
    *s.out << "member " << o.id << " " << word << (o.reason.empty() ? "" : " (" + o.reason + ")")
           << "; gates get the new access list within seconds\n";
    return {};
}

// What suspend and reinstate run: the same change, to their own status.
auto setting_status(MemberStatus status) {
    return [status](CommandContext& s, const StatusOptions& o) { return set_status(s, o, status); };
}

// Remove cannot be undone, so it wants --yes.
struct RemoveOptions {
    std::string id;
    Confirmation confirmation;

    void declare(CommandSpec command) {
        add_member_id(command, id);
        confirmation.declare(command);
    }
};

Outcome remove(CommandContext& s, const RemoveOptions& o) {
    TRY(o.confirmation.given(
        "removing member " + o.id + " also unassigns their badges and deletes their rights",
        "to stop access, `members suspend`"));
    TRY(s.ledger().members().remove(o.id, s.actor, s.now));
    *s.out << "removed member " << o.id
           << " (their sessions and audit rows stay in the ledger; to erase them, `fabctl "
              "members forget "
           << o.id << " --yes`)\n";
    return {};
}

// Export and forget also reach a member who was removed: their sessions and audit rows stay.
struct IdOptions {
    std::string id;

    void declare(CommandSpec command) {
        command.add_option("ID", id, "member id (also of a removed member)").required();
    }
};

Outcome export_member(CommandContext& s, const IdOptions& o) {
    TRY_ASSIGN(auto text, s.ledger().privacy().export_member(o.id));
    *s.out << text << "\n";
    return {};
}

// Forget cannot be undone either, so it wants --yes too.
struct ForgetOptions : IdOptions {
    Confirmation confirmation;

    void declare(CommandSpec command) {
        IdOptions::declare(command);
        confirmation.declare(command);
    }
};

Outcome forget(CommandContext& s, const ForgetOptions& o) {
    TRY(o.confirmation.given("forgetting member " + o.id +
                                 " replaces their id, name, contact and badge UIDs everywhere, "
                                 "for good",
                             "export first if they asked for a copy"));
    TRY_ASSIGN(auto pseudonym, s.ledger().privacy().forget_member(o.id, s.actor, s.now));
    *s.out << "forgot member " << o.id << ": now " << pseudonym
           << " in sessions and the audit log; amounts and batches are unchanged\n";
    return {};
}

struct ListOptions {
    std::string member_class, status;

    void declare(CommandSpec command) {
        command.add_option("--class", member_class, "only this member class");
        command.add_option("--status", status, "only active, suspended or expired members")
            .must_be_one_of({"active", "suspended", "expired"});
    }
};

Outcome list(CommandContext& s, const ListOptions& o) {
    TRY_ASSIGN(auto members, s.ledger().members().all());
    TRY_ASSIGN(auto badges, s.ledger().badges().all());
    std::map<std::string, std::int64_t> badge_count;
    for (const auto& b : badges)
        if (b.member_id) ++badge_count[*b.member_id];
    Table t{{"id"}, {"name"}, {"class"}, {"status"}, {"until"}, {"badges", true}, {"contact"}};
    for (const auto& m : members) {
        if (!o.member_class.empty() && m.member_class != o.member_class) continue;
        auto st = standing(m, s.now);
        if (!o.status.empty() && st != o.status) continue;
        t.add({m.id, m.name, m.member_class, st, until_cell(m.member_until), badge_count[m.id],
               m.contact});
    }
    render(t, s.format(), *s.out, "(no members match)");
    return {};
}

struct ShowOptions {
    std::string id;
    int sessions = kRecentSessions;

    void declare(CommandSpec command) {
        add_member_id(command, id);
        command.add_option("--sessions", sessions, "how many recent sessions (default 10)")
            .must_be_in_range(0, 10000);
    }
};

Outcome show(CommandContext& s, const ShowOptions& o) {
    TRY_ASSIGN(auto m, existing_member(s, o.id));
    TRY_ASSIGN(auto badges, s.ledger().badges().held_by(o.id));
    TRY_ASSIGN(auto rights, s.ledger().rights().held_by(o.id));
    TRY_ASSIGN(auto sessions, s.ledger().reports().recent_sessions_of(o.id, o.sessions));

    Table badge_table{{"uid"}, {"label"}, {"assigned", false, "assigned_at"}};
    for (const auto& b : badges)
        badge_table.add(
            {b.uid, b.label, b.assigned_at ? time_cell(*b.assigned_at) : Cell("", nullptr)});
    Table right_table{{"target"}, {"kind"},       {"role"},
                      {"until"},  {"granted_by"}, {"granted", false, "granted_at"}};
    for (const auto& r : rights)
        right_table.add({r.target, std::string(to_string(r.target_kind)),
                         std::string(to_string(r.role)), until_cell(r.valid_until), r.granted_by,
                         time_cell(r.granted_at)});
    auto session_rows = session_table(sessions);

    if (s.json) {
        auto j = member_json(m, s.now);
        j["badges"] = to_json(badge_table);
        j["rights"] = to_json(right_table);
        j["recent_sessions"] = to_json(session_rows);
        *s.out << dump_json(j) << "\n";
        return {};
    }
    auto& out = *s.out;
    render_fields({{"member", m.id},
                   {"name", m.name},
                   {"contact", m.contact},
                   {"class", m.member_class},
                   {"status", standing(m, s.now)},
                   {"until", until_text(m.member_until)},
                   {"since", format_short(m.created_at)}},
                  out);
    out << "\nBadges\n";
    render_text(badge_table, out, "(no badge: `fabctl badges assign UID " + m.id + "`)");
    out << "\nRights\n";
    render_text(right_table, out, "(no rights: `fabctl rights grant " + m.id + " MACHINE`)");
    out << "\nRecent sessions\n";
    render_text(session_rows, out, "(none)");
    return {};
}

}  // namespace

void add_member_commands(CommandSpec app, Invocation& inv) {
    auto members = add_command_group(app, "members", "add, change, suspend and list members");
    add_command<AddOptions>(members, inv, "add", "add a member", add);
    add_command<EditOptions>(members, inv, "edit", "change a member's details", edit);
    add_command<StatusOptions>(members, inv, "suspend", "stop a member's access at every machine",
                               setting_status(MemberStatus::Suspended));
    add_command<StatusOptions>(members, inv, "reinstate", "end a suspension",
                               setting_status(MemberStatus::Active));
    add_command<RemoveOptions>(members, inv, "remove",
                               "delete a member, unassign their badges and delete their rights",
                               remove);
    add_command<IdOptions>(members, inv, "export",
                           "everything the ledger holds about one member, as JSON (access request)",
                           export_member);
    add_command<ForgetOptions>(
        members, inv, "forget",
        "pseudonymise a member everywhere, keeping amounts (erasure request)", forget);
    add_command<ListOptions>(members, inv, "list", "list members", list);
    add_command<ShowOptions>(members, inv, "show", "a member with badges, rights, recent sessions",
                             show);
}

}  // namespace fabgate::ctl

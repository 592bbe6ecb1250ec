// badges assign | unassign | list | unknown
#include <map>

#include "core/uid.hpp"
#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {
namespace {

struct AssignOptions {
    std::string uid, member;  // with --last-unknown-at the one positional given is the member
    std::string label;
    std::string last_unknown_at;
    std::string max_age;
    bool move = false;

    void declare(CommandSpec command) {
        command.add_option("UID", uid,
                           "badge UID in any spelling: 04:a1:b2:c3, 04A1B2C3, 04-A1-B2-C3");
        command.add_option("MEMBER", member, "member id");
        command.add_option("--label", label, "note on the badge: 'blue fob', 'card #12'");
        command.add_option("--last-unknown-at", last_unknown_at,
                           "take the newest unknown badge seen at this machine (SITE/ID or ID)");
        command.add_option(
            "--max-age", max_age,
            "with --last-unknown-at: refuse a badge seen longer ago than this (e.g. 5m)");
        command.add_flag("--move", move, "take the badge from the member who holds it");
    }
};

// The newest unknown badge seen at a machine ("site/id" or a bare id on any site).
tl::expected<ledger::UnknownBadge, Failure> last_unknown_at(CommandContext& s,
                                                            const std::string& ref,
                                                            const std::string& max_age) {
    TRY_ASSIGN(auto unknown, s.ledger().badges().unknown());
    auto slash = ref.find('/');
    std::optional<ledger::UnknownBadge> newest;
    for (const auto& u : unknown) {
        bool here = slash == std::string::npos
                        ? u.machine == ref
                        : u.site == ref.substr(0, slash) && u.machine == ref.substr(slash + 1);
        if (here && (!newest || u.last_seen_at > newest->last_seen_at)) newest = u;
    }
    if (!newest)
        return runtime_failure("--last-unknown-at " + ref,
                               "no unknown badge was seen at this machine (present the new badge "
                               "at the reader, then run this again; see `fabctl badges unknown`)");
    if (!max_age.empty()) {
        TRY_ASSIGN(auto age, duration_arg("--max-age", max_age));
        if (s.now - newest->last_seen_at > age * 1000)
            return runtime_failure("--last-unknown-at " + ref,
                                   "the newest unknown badge, " + newest->uid + ", was seen at " +
                                       format_short(newest->last_seen_at) + ", longer ago than " +
                                       max_age + "; present the badge again");
    }
    return *newest;
}

Outcome assign(CommandContext& s, const AssignOptions& o) {
    std::string uid_text, member;
    std::optional<ledger::UnknownBadge> seen;
    if (!o.last_unknown_at.empty()) {
        if (!o.member.empty())
            return usage_failure("badges assign",
                                 "with --last-unknown-at give only the MEMBER (the badge is the "
                                 "last unknown one seen at that machine)");
        member = o.uid;
        if (member.empty()) return usage_failure("MEMBER", "is required");
        TRY_ASSIGN(auto u, last_unknown_at(s, o.last_unknown_at, o.max_age));
        seen = u;
        uid_text = u.uid;
    } else {
        if (o.uid.empty() || o.member.empty())
            return usage_failure(o.uid.empty() ? "UID" : "MEMBER",
                                 "is required: give UID MEMBER, or MEMBER with --last-unknown-at "
                                 "MACHINE");
        uid_text = o.uid;
        member = o.member;
    }
    auto uid = Uid::parse(uid_text);
    if (!uid) return usage_failure("UID", uid.error().what);

    TRY_ASSIGN(auto holder, s.ledger().members().find(member));
    if (!holder)
        return runtime_failure("member " + member, "does not exist (see `fabctl members list`)");
    TRY_ASSIGN(auto all, s.ledger().badges().all());
    for (const auto& b : all) {
        if (b.uid != uid->hex() || !b.member_id) continue;
        if (*b.member_id == member) {
            *s.out << "badge " << b.uid << " already belongs to " << member << "\n";
            if (o.label.empty() || o.label == b.label) return {};
        } else if (!o.move) {
            return runtime_failure("badge " + b.uid, "belongs to member " + *b.member_id +
                                                         "; add --move to give it to " + member +
                                                         " (a badge has one holder)");
        }
    }
    TRY(s.ledger().badges().assign(uid->hex(), member, o.label, s.actor, s.now));
    if (s.json) {
        JsonValue j{{"uid", uid->hex()}, {"member", member}, {"label", o.label}};
        if (seen)
            j["seen_at"] = {{"site", seen->site},
                            {"machine", seen->machine},
                            {"last_seen_at", format_iso(seen->last_seen_at)}};
        *s.out << dump_json(j) << "\n";
        return {};
    }
    *s.out << "badge " << uid->hex() << " assigned to " << member << " (" << holder->name << ")";
    if (seen)
        *s.out << "; last seen at " << seen->site << "/" << seen->machine << " "
               << format_short(seen->last_seen_at);
    *s.out << "\n";
    return {};
}

struct UidOptions {
    std::string uid;

    void declare(CommandSpec command) { command.add_option("UID", uid, "badge UID").required(); }
};

Outcome unassign(CommandContext& s, const UidOptions& o) {
    auto uid = Uid::parse(o.uid);
    if (!uid) return usage_failure("UID", uid.error().what);
    TRY(s.ledger().badges().unassign(uid->hex(), s.actor, s.now));
    *s.out << "badge " << uid->hex() << " unassigned; it opens nothing until assigned again\n";
    return {};
}

struct ListOptions {
    std::string member;
    bool unassigned = false;

    void declare(CommandSpec command) {
        command.add_option("--member", member, "only this member's badges");
        command.add_flag("--unassigned", unassigned, "only badges in the drawer");
    }
};

Outcome list(CommandContext& s, const ListOptions& o) {
    TRY_ASSIGN(auto badges, o.member.empty() ? s.ledger().badges().all()
                                             : s.ledger().badges().held_by(o.member));
    TRY_ASSIGN(auto members, s.ledger().members().all());
    std::map<std::string, std::string> names;
    for (const auto& m : members) names[m.id] = m.name;
    Table t{{"uid"}, {"member"}, {"name"}, {"label"}, {"assigned", false, "assigned_at"}};
    for (const auto& b : badges) {
        if (o.unassigned && b.member_id) continue;
        t.add({b.uid, optional_cell(b.member_id), b.member_id ? names[*b.member_id] : "", b.label,
               b.assigned_at ? time_cell(*b.assigned_at) : Cell("", nullptr)});
    }
    render(t, s.format(), *s.out, "(no badges)");
    return {};
}

struct UnknownOptions {
    std::string machine;

    void declare(CommandSpec command) {
        command.add_option("--machine", machine, "only those seen at this machine (SITE/ID or ID)");
    }
};

Outcome unknown(CommandContext& s, const UnknownOptions& o) {
    TRY_ASSIGN(auto rows, s.ledger().badges().unknown());
    Table t{{"uid"},
            {"machine"},
            {"last_seen", false, "last_seen_at"},
            {"first_seen", false, "first_seen_at"},
            {"count", true}};
    for (const auto& u : rows) {
        auto at = u.site + "/" + u.machine;
        if (!o.machine.empty() && o.machine != u.machine && o.machine != at) continue;
        t.add({u.uid, at, time_cell(u.last_seen_at), time_cell(u.first_seen_at), u.count});
    }
    render(t, s.format(), *s.out, "(no unknown badges seen)");
    return {};
}

}  // namespace

void add_badge_commands(CommandSpec app, Invocation& inv) {
    auto badges = add_command_group(app, "badges", "enrol badges and see unknown ones");
    add_command<AssignOptions>(
        badges, inv, "assign",
        "give a badge to a member: `assign UID MEMBER`, or `assign --last-unknown-at MACHINE "
        "MEMBER` for the badge just presented at that machine",
        assign);
    add_command<UidOptions>(badges, inv, "unassign",
                            "take a badge from its member (lost, returned)", unassign);
    add_command<ListOptions>(badges, inv, "list", "list badges", list);
    add_command<UnknownOptions>(badges, inv, "unknown",
                                "badges presented at a gate that are not enrolled, newest first",
                                unknown);
}

}  // namespace fabgate::ctl

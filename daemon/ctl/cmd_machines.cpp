// machines add | edit | remove | list | lock | unlock | end-session
#include <map>

#include "core/messages.hpp"
#include "core/topics.hpp"
#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {
namespace {

tl::expected<std::pair<std::string, std::string>, Failure> site_and_id(const std::string& ref) {
    auto slash = ref.find('/');
    if (slash == std::string::npos)
        return usage_error("SITE/ID", "'" + ref + "': write the site too, e.g. lab/" + ref);
    auto site = ref.substr(0, slash), id = ref.substr(slash + 1);
    if (auto v = id_arg("SITE/ID", site); !v) return tl::unexpected(v.error());
    if (auto v = id_arg("SITE/ID", id); !v) return tl::unexpected(v.error());
    return std::pair{site, id};
}

struct AddOptions {
    std::string ref, name, group;
};

Outcome add(Session& s, const AddOptions& o) {
    auto key = site_and_id(o.ref);
    if (!key) return tl::unexpected(key.error());
    if (!o.group.empty())
        if (auto v = id_arg("--group", o.group); !v) return v;
    auto existing = s.ledger().machine(key->first, key->second);
    if (!existing) return runtime_error(existing.error());
    if (*existing)
        return runtime_error("machine " + o.ref, "exists already (change it with `machines edit`)");
    ledger::Machine m{key->first, key->second, o.name,
                      o.group.empty() ? std::nullopt : std::optional<std::string>(o.group)};
    if (auto r = check(s.ledger().upsert_machine(m, s.actor, s.now)); !r) return r;
    *s.out << "added machine " << o.ref << " (" << o.name << ")"
           << (o.group.empty() ? "" : " in group " + o.group)
           << "; its gate gets an access list once it connects\n";
    return {};
}

struct EditOptions {
    std::string ref;
    std::optional<std::string> name, group;
    bool no_group = false;
};

Outcome edit(Session& s, const EditOptions& o) {
    if (!o.name && !o.group && !o.no_group)
        return usage_error("machines edit",
                           "nothing to change: give --name, --group or --no-group");
    if (o.group && o.no_group) return usage_error("--no-group", "cannot go with --group");
    auto m = find_machine(s.ledger(), o.ref);
    if (!m) return runtime_error(m.error());
    if (o.name) {
        if (o.name->empty()) return usage_error("--name", "is empty");
        m->name = *o.name;
    }
    if (o.group) {
        if (auto v = id_arg("--group", *o.group); !v) return v;
        m->group_name = *o.group;
    }
    if (o.no_group) m->group_name.reset();
    if (auto r = check(s.ledger().upsert_machine(*m, s.actor, s.now)); !r) return r;
    *s.out << "updated machine " << m->site << "/" << m->id << " (" << m->name << ")"
           << (m->group_name ? " in group " + *m->group_name : ", no group") << "\n";
    return {};
}

struct RemoveOptions {
    std::string ref;
    bool yes = false;
};

Outcome remove(Session& s, const RemoveOptions& o) {
    auto m = find_machine(s.ledger(), o.ref);
    if (!m) return runtime_error(m.error());
    if (!o.yes)
        return usage_error("--yes", "sessions from " + m->site + "/" + m->id +
                                        " are refused while it is not registered; add --yes to "
                                        "confirm");
    if (auto r = check(s.ledger().remove_machine(m->site, m->id, s.actor, s.now)); !r) return r;
    *s.out << "removed machine " << m->site << "/" << m->id << "\n";
    return {};
}

struct ListOptions {};

Outcome list(Session& s, const ListOptions&) {
    auto machines = s.ledger().machines();
    if (!machines) return runtime_error(machines.error());
    auto states = s.ledger().machine_states();
    if (!states) return runtime_error(states.error());
    std::map<std::pair<std::string, std::string>, ledger::MachineStateRow> by_key;
    for (auto& st : *states) by_key[{st.site, st.machine}] = st;

    Table t{{"machine"}, {"name"},   {"group"},  {"state"},
            {"since"},   {"member"}, {"detail"}, {"acl_version", true}};
    auto add_row = [&](const std::string& site, const std::string& id, Cell name, Cell group) {
        auto it = by_key.find({site, id});
        if (it == by_key.end()) {
            t.add({site + "/" + id, std::move(name), std::move(group), Cell("unknown", nullptr),
                   Cell("", nullptr), "", "never reported", Cell("", nullptr)});
            return;
        }
        const auto& st = it->second.status;
        std::string who =
            st.member.empty() ? "" : st.member + (st.name.empty() ? "" : " (" + st.name + ")");
        t.add({site + "/" + id, std::move(name), std::move(group), std::string(to_string(st.state)),
               time_cell(st.since), who, st.detail, st.acl_version});
        by_key.erase(it);
    };
    for (const auto& m : *machines) add_row(m.site, m.id, m.name, optional_cell(m.group_name));
    // Gates that report but are not registered: their sessions are refused, the manager must see.
    std::vector<std::pair<std::string, std::string>> strays;
    for (const auto& [key, st] : by_key) strays.push_back(key);
    for (const auto& [site, id] : strays)
        add_row(site, id, Cell("(not registered)", nullptr), Cell("", nullptr));
    render(t, s.format(), *s.out, "(no machines: `fabctl machines add SITE/ID --name NAME`)");
    return {};
}

struct CommandOptions {
    std::string ref, reason, timeout = "5s";
};

Outcome send(Session& s, const CommandOptions& o, CommandKind kind) {
    auto timeout_s = duration_arg("--timeout", o.timeout);
    if (!timeout_s) return tl::unexpected(timeout_s.error());
    if (*timeout_s < 1) return usage_error("--timeout", "must be at least 1s");
    auto m = find_machine(s.ledger(), o.ref);
    if (!m) return runtime_error(m.error());

    Command command;
    command.kind = kind;
    command.by = s.person;
    command.reason = o.reason;
    auto topic = topics::machine(m->site, m->id, "commands");
    auto payload = encode(command);
    if (!s.env->publish) return runtime_error("broker", "no publisher configured");
    if (auto r = s.env->publish(s.config->broker, topic, payload,
                                std::chrono::milliseconds(*timeout_s * 1000));
        !r)
        return runtime_error(r.error());

    std::string verb = kind == CommandKind::Lock     ? "lock"
                       : kind == CommandKind::Unlock ? "unlock"
                                                     : "end_session";
    JsonValue after{{"command", verb}, {"topic", topic}, {"reason", o.reason}};
    if (auto r = check(s.ledger().record_audit(s.actor, "machine." + verb, m->site + "/" + m->id,
                                               "", after.dump(), s.now));
        !r)
        return r;

    auto states = s.ledger().machine_states();
    std::optional<MachineState> last;
    if (states)
        for (const auto& st : *states)
            if (st.site == m->site && st.machine == m->id) last = st.status.state;
    if (s.json) {
        *s.out << dump_json(
                      {{"machine", m->site + "/" + m->id},
                       {"command", verb},
                       {"topic", topic},
                       {"delivered_to_broker", true},
                       {"last_state", last ? JsonValue(std::string(to_string(*last))) : nullptr}})
               << "\n";
    } else {
        *s.out << verb << " sent to " << m->site << "/" << m->id
               << " (the broker has it; see `fabctl machines list` for the gate's state)\n";
    }
    if (!last || *last == MachineState::Offline)
        *s.err << "fabctl: warning: " << m->site << "/" << m->id
               << " is not reported online; a gate acts on commands only while connected\n";
    return {};
}

void add_command(CLI::App* machines, Invocation& inv, const std::string& name,
                 const std::string& help, CommandKind kind) {
    auto o = std::make_shared<CommandOptions>();
    auto* c = machines->add_subcommand(name, help);
    c->add_option("MACHINE", o->ref, "machine (SITE/ID, or ID if unique)")->required();
    c->add_option("--reason", o->reason, "why: shown on the machine's state and in the log");
    c->add_option("--timeout", o->timeout, "how long to wait for the broker (default 5s)");
    on_run(c, inv, o,
           [kind](Session& s, const CommandOptions& opts) { return send(s, opts, kind); });
}

}  // namespace

void add_machine_commands(CLI::App& app, Invocation& inv) {
    auto* machines = app.add_subcommand("machines", "register machines, see and control them");
    machines->require_subcommand(1);
    {
        auto o = std::make_shared<AddOptions>();
        auto* c = machines->add_subcommand("add", "register a machine (its gate's site and id)");
        c->add_option("SITE/ID", o->ref, "site and machine id as in the gate's config")->required();
        c->add_option("--name", o->name, "name for people: 'Laser cutter'")->required();
        c->add_option("--group", o->group, "group for rights and tariffs: lasers, printers...");
        on_run(c, inv, o, add);
    }
    {
        auto o = std::make_shared<EditOptions>();
        auto* c = machines->add_subcommand("edit", "rename a machine or change its group");
        c->add_option("MACHINE", o->ref, "machine (SITE/ID, or ID if unique)")->required();
        c->add_option("--name", o->name, "new name");
        c->add_option("--group", o->group, "new group");
        c->add_flag("--no-group", o->no_group, "take it out of its group");
        on_run(c, inv, o, edit);
    }
    {
        auto o = std::make_shared<RemoveOptions>();
        auto* c = machines->add_subcommand("remove", "unregister a machine");
        c->add_option("MACHINE", o->ref, "machine (SITE/ID, or ID if unique)")->required();
        c->add_flag("--yes", o->yes, "confirm");
        on_run(c, inv, o, remove);
    }
    {
        auto o = std::make_shared<ListOptions>();
        auto* c = machines->add_subcommand("list", "machines with their live state");
        on_run(c, inv, o, list);
    }
    add_command(machines, inv, "lock", "put a machine in maintenance: nobody but maintainers",
                CommandKind::Lock);
    add_command(machines, inv, "unlock", "end maintenance", CommandKind::Unlock);
    add_command(machines, inv, "end-session", "end the running session now (power off)",
                CommandKind::EndSession);
}

}  // namespace fabgate::ctl

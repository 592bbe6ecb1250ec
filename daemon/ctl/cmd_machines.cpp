// machines add | edit | remove | list | lock | unlock | end-session
#include <map>

#include "core/messages.hpp"
#include "core/topics.hpp"
#include "ctl/args.hpp"
#include "ctl/broker_login.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {

std::string verb_of(CommandKind kind) {
    return kind == CommandKind::Lock     ? "lock"
           : kind == CommandKind::Unlock ? "unlock"
                                         : "end_session";
}

namespace {

tl::expected<std::pair<std::string, std::string>, Failure> site_and_id(const std::string& ref) {
    auto slash = ref.find('/');
    if (slash == std::string::npos)
        return usage_failure("SITE/ID", "'" + ref + "': write the site too, e.g. lab/" + ref);
    auto site = ref.substr(0, slash), id = ref.substr(slash + 1);
    TRY(id_arg("SITE/ID", site));
    TRY(id_arg("SITE/ID", id));
    return std::pair{site, id};
}

// The machine a command acts on, as the manager names it.
void add_machine_ref(CommandSpec command, std::string& ref) {
    command.add_option("MACHINE", ref, "machine (SITE/ID, or ID if unique)").required();
}

struct AddOptions {
    std::string ref, name, group;

    void declare(CommandSpec command) {
        command.add_option("SITE/ID", ref, "site and machine id as in the gate's config")
            .required();
        command.add_option("--name", name, "name for people: 'Laser cutter'").required();
        command.add_option("--group", group, "group for rights and tariffs: lasers, printers...");
    }
};

Outcome add(CommandContext& s, const AddOptions& o) {
    TRY_ASSIGN(auto key, site_and_id(o.ref));
    if (!o.group.empty()) TRY(id_arg("--group", o.group));
    TRY_ASSIGN(auto existing, s.ledger().machines().find(key.first, key.second));
    if (existing)
        return runtime_failure("machine " + o.ref,
                               "exists already (change it with `machines edit`)");
    ledger::Machine m{key.first, key.second, o.name,
                      o.group.empty() ? std::nullopt : std::optional<std::string>(o.group)};
    TRY(s.ledger().machines().upsert(m, s.actor, s.now));
    *s.out << "added machine " << o.ref << " (" << o.name << ")"
           << (o.group.empty() ? "" : " in group " + o.group)
           << "; its gate gets an access list once it connects\n";
    tell_replayed(s, key.first, key.second);
    return {};
}

struct EditOptions {
    std::string ref;
    std::optional<std::string> name, group;
    bool no_group = false;

    void declare(CommandSpec command) {
        add_machine_ref(command, ref);
        command.add_option("--name", name, "new name");
        command.add_option("--group", group, "new group");
        command.add_flag("--no-group", no_group, "take it out of its group");
    }
};

Outcome edit(CommandContext& s, const EditOptions& o) {
    if (!o.name && !o.group && !o.no_group)
        return usage_failure("machines edit",
                             "nothing to change: give --name, --group or --no-group");
    if (o.group && o.no_group) return usage_failure("--no-group", "cannot go with --group");
    TRY_ASSIGN(auto m, find_machine(s.ledger(), o.ref));
    if (o.name) {
        if (o.name->empty()) return usage_failure("--name", "is empty");
        m.name = *o.name;
    }
    if (o.group) {
        TRY(id_arg("--group", *o.group));
        m.group_name = *o.group;
    }
    if (o.no_group) m.group_name.reset();
    TRY(s.ledger().machines().upsert(m, s.actor, s.now));
    *s.out << "updated machine " << m.site << "/" << m.id << " (" << m.name << ")"
           << (m.group_name ? " in group " + *m.group_name : ", no group") << "\n";
    return {};
}

struct RemoveOptions {
    std::string ref;
    Confirmation confirmation;

    void declare(CommandSpec command) {
        add_machine_ref(command, ref);
        confirmation.declare(command);
    }
};

Outcome remove(CommandContext& s, const RemoveOptions& o) {
    TRY_ASSIGN(auto m, find_machine(s.ledger(), o.ref));
    TRY(o.confirmation.given("sessions from " + m.site + "/" + m.id +
                             " are held unbilled while it is not registered"));
    TRY(s.ledger().machines().remove(m.site, m.id, s.actor, s.now));
    *s.out << "removed machine " << m.site << "/" << m.id << "\n";
    return {};
}

struct ListOptions {};

Outcome list(CommandContext& s, const ListOptions&) {
    TRY_ASSIGN(auto machines, s.ledger().machines().all());
    TRY_ASSIGN(auto states, s.ledger().ingest().machine_states());
    std::map<std::pair<std::string, std::string>, ledger::MachineStateRow> by_key;
    for (auto& st : states) by_key[{st.site, st.machine}] = st;

    // LOCK is the ledger's desired state, which reaches an offline gate with its next list:
    // next to STATE it shows a lock (or an unlock) still on its way.
    Table t{{"machine"}, {"name"},  {"group"},
            {"state"},   {"since"}, {"member"},
            {"detail"},  {"lock"},  {"acl_version", true}};
    auto add_row = [&](const std::string& site, const std::string& id, Cell name, Cell group,
                       Cell lock) {
        auto it = by_key.find({site, id});
        if (it == by_key.end()) {
            t.add({site + "/" + id, std::move(name), std::move(group), Cell("unknown", nullptr),
                   Cell("", nullptr), "", "never reported", std::move(lock), Cell("", nullptr)});
            return;
        }
        const auto& st = it->second.status;
        std::string who =
            st.member.empty() ? "" : st.member + (st.name.empty() ? "" : " (" + st.name + ")");
        t.add({site + "/" + id, std::move(name), std::move(group), std::string(to_string(st.state)),
               time_cell(st.since), who, st.detail, std::move(lock), st.acl_version});
        by_key.erase(it);
    };
    for (const auto& m : machines) {
        TRY_ASSIGN(auto lock, s.ledger().machines().lock_of(m.site, m.id));
        Cell lock_cell = lock ? Cell(lock->by + (lock->reason.empty() ? "" : ": " + lock->reason))
                              : Cell("", nullptr);
        add_row(m.site, m.id, m.name, optional_cell(m.group_name), std::move(lock_cell));
    }
    // Gates that report but are not registered: their sessions are held unbilled, the manager
    // must see.
    std::vector<std::pair<std::string, std::string>> strays;
    for (const auto& [key, st] : by_key) strays.push_back(key);
    for (const auto& [site, id] : strays)
        add_row(site, id, Cell("(not registered)", nullptr), Cell("", nullptr), Cell("", nullptr));
    render(t, s.format(), *s.out, "(no machines: `fabctl machines add SITE/ID --name NAME`)");
    return {};
}

struct CommandOptions {
    std::string ref, reason, timeout = "5s";

    void declare(CommandSpec command) {
        add_machine_ref(command, ref);
        command.add_option("--reason", reason, "why: shown on the machine's state and in the log");
        command.add_option("--timeout", timeout,
                           "how long to wait for the gate to confirm (default 5s)");
    }
};

Outcome send(CommandContext& s, const CommandOptions& o, CommandKind kind) {
    TRY_ASSIGN(auto timeout_s, duration_arg("--timeout", o.timeout));
    if (timeout_s < 1) return usage_failure("--timeout", "must be at least 1s");
    TRY_ASSIGN(auto m, find_machine(s.ledger(), o.ref));
    // Whose login, before anything is written: a refused login changes nothing.
    LoginSources sources{s.broker_config, s.person, std::nullopt};
    if (s.config_loaded) sources.ledger_broker = s.config->broker;
    TRY_ASSIGN(auto login, manager_login(sources));
    if (!s.env->send_command) return runtime_failure("broker", "no command sender configured");
    // Held until the gate answered; a run with the same login waits as long as it would for
    // the gate.
    TRY_ASSIGN(auto turn, take_login_turn(login_file(sources), std::chrono::seconds(timeout_s)));

    Command command;
    command.kind = kind;
    command.by = s.person;
    command.reason = o.reason;
    TRY(record_machine_lock(s, m, kind, o.reason));

    std::string machine = m.site + "/" + m.id;
    CommandRequest request{topics::machine(m.site, m.id, "commands"),
                           topics::machine(m.site, m.id, "state"), command,
                           std::chrono::milliseconds(timeout_s * 1000)};
    auto delivery = s.env->send_command(login, request);
    std::string verb = verb_of(kind);
    std::string outcome(to_string(delivery.outcome));
    TRY(audit_machine_command(s, machine, request, login.username, delivery));

    if (s.json)
        *s.out << dump_json({{"machine", machine},
                             {"command", verb},
                             {"topic", request.command_topic},
                             {"outcome", outcome},
                             {"detail", delivery.detail},
                             {"state", delivery.state ? JsonValue(std::string(
                                                            to_string(delivery.state->state)))
                                                      : nullptr}})
               << "\n";
    // A lock or unlock is also the ledger's desired state: it reaches the gate anyway.
    std::string fallback =
        kind == CommandKind::EndSession
            ? ""
            : "; the ledger has the " + verb + ", which reaches the gate with its next access list";
    switch (delivery.outcome) {
        case Delivery::Confirmed:
            if (!s.json)
                *s.out << verb << " " << machine << ": confirmed by the gate (" << delivery.detail
                       << ")\n";
            return {};
        case Delivery::BrokerUnreachable:
            return runtime_failure(delivery.where, delivery.detail + fallback);
        case Delivery::NotConfirmed:
            break;
    }
    return runtime_failure(machine,
                           verb + " not confirmed by the gate: " + delivery.detail + fallback);
}

// What lock, unlock and end-session run: the same send, of their own command.
auto sending(CommandKind kind) {
    return [kind](CommandContext& s, const CommandOptions& o) { return send(s, o, kind); };
}

}  // namespace

// Lock and unlock are first the ledger's desired state (audited): the machine's signed access
// list carries it to the gate, retained, so even a gate that lost its journal comes up locked.
Outcome record_machine_lock(CommandContext& s, const ledger::Machine& m, CommandKind kind,
                            const std::string& reason) {
    if (kind == CommandKind::EndSession) return {};
    std::optional<MaintenanceLock> lock;
    if (kind == CommandKind::Lock) lock = MaintenanceLock{s.person, reason, s.now};
    if (!lock) {
        TRY_ASSIGN(auto was, s.ledger().machines().lock_of(m.site, m.id));
        if (!was) return {};  // nothing recorded; the command still clears the gate's
    }
    return check(s.ledger().machines().set_lock(m.site, m.id, lock, s.actor, s.now));
}

Outcome audit_machine_command(CommandContext& s, const std::string& machine,
                              const CommandRequest& request, const std::string& broker_user,
                              const CommandDelivery& delivery) {
    std::string verb = verb_of(request.command.kind);
    JsonValue after{{"command", verb},
                    {"topic", request.command_topic},
                    {"reason", request.command.reason},
                    {"broker_user", broker_user},
                    {"outcome", std::string(to_string(delivery.outcome))},
                    {"detail", delivery.detail}};
    return check(
        s.ledger().audit().record(s.actor, "machine." + verb, machine, "", after.dump(), s.now));
}

void add_machine_commands(CommandSpec app, Invocation& inv) {
    auto machines = add_command_group(app, "machines", "register machines, see and control them");
    add_command<AddOptions>(machines, inv, "add", "register a machine (its gate's site and id)",
                            add);
    add_command<EditOptions>(machines, inv, "edit", "rename a machine or change its group", edit);
    add_command<RemoveOptions>(machines, inv, "remove", "unregister a machine", remove);
    add_command<ListOptions>(machines, inv, "list", "machines with their live state", list);
    add_command<CommandOptions>(machines, inv, "lock",
                                "put a machine in maintenance: nobody but maintainers",
                                sending(CommandKind::Lock));
    add_command<CommandOptions>(machines, inv, "unlock", "end maintenance",
                                sending(CommandKind::Unlock));
    add_command<CommandOptions>(machines, inv, "end-session",
                                "end the running session now (power off)",
                                sending(CommandKind::EndSession));
}

}  // namespace fabgate::ctl

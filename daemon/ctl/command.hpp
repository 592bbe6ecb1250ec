#pragma once
// What every command gets once the command line is parsed (the open ledger, who is acting,
// the time, where to print) and how it reports failure: a usage error names the argument
// (exit 2), a runtime error names what and where (exit 1).
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "ctl/command_spec.hpp"
#include "ctl/fabctl.hpp"
#include "ctl/output.hpp"
#include "ledger/ledger_config.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ctl {

// An Error from the ledger or the system is a runtime failure: TRY and TRY_ASSIGN pass one on
// from a command as such.
struct Failure {
    Failure(Error e, int code = kExitRuntime)  // NOLINT: implicit, for TRY
        : error(std::move(e)), exit_code(code) {}

    Error error;
    int exit_code = kExitRuntime;
};
using Outcome = tl::expected<void, Failure>;

inline tl::unexpected<Failure> usage_failure(std::string where, std::string what) {
    return tl::unexpected(Failure{Error{std::move(where), std::move(what)}, kExitUsage});
}
inline tl::unexpected<Failure> runtime_failure(Error e) {
    return tl::unexpected(Failure{std::move(e), kExitRuntime});
}
inline tl::unexpected<Failure> runtime_failure(std::string where, std::string what) {
    return runtime_failure(Error{std::move(where), std::move(what)});
}

struct CommandContext {
    ledger::LedgerDb* db = nullptr;  // null for commands that need no database
    const ledger::LedgerConfig* config = nullptr;
    bool config_loaded = false;  // a ledger config was read (not just --db)
    std::string broker_config;   // --broker-config: the manager's broker login file
    const Environment* env = nullptr;
    std::string person;  // who, as given by --actor / $SUDO_USER / $USER
    std::string actor;   // the audit log's actor: "fabctl:<person>"
    UnixMs now = 0;
    bool json = false;  // --json
    std::ostream* out = nullptr;
    std::ostream* err = nullptr;

    ledger::LedgerDb& ledger() { return *db; }
    Format format() const { return json ? Format::Json : Format::Text; }
};

// The parsed command: what to run, and what it needs before it can run.
struct Invocation {
    std::function<Outcome(CommandContext&)> action;
    enum class Database { None, Existing, Create } database = Database::Existing;
};

// Each family of commands adds its subcommands; a subcommand's callback sets the action.
void add_member_commands(CommandSpec app, Invocation& inv);
void add_badge_commands(CommandSpec app, Invocation& inv);
void add_right_commands(CommandSpec app, Invocation& inv);
void add_machine_commands(CommandSpec app, Invocation& inv);
void add_tariff_commands(CommandSpec app, Invocation& inv);
void add_billing_commands(CommandSpec app, Invocation& inv);
void add_admin_commands(CommandSpec app, Invocation& inv);
void add_error_commands(CommandSpec app, Invocation& inv);

// Runs one command line, without fabctl's global options ({"members", "add", "m-1",
// "--name=Ann"}), in a context the caller made: the web console's way of doing exactly what
// fabctl does, with fabctl's validation, messages, output and audit rows. Only commands on an
// existing database run here (not init). A mistake in the line is a usage Failure.
Outcome run_command(const std::vector<std::string>& args, CommandContext& context);

// Machine commands (cmd_machines.cpp), shared with the web console. Lock and unlock are
// first recorded as the ledger's desired state (audited); the command's outcome is audited
// as machine.lock|unlock|end_session once known.
std::string verb_of(CommandKind kind);  // lock, unlock, end_session
Outcome record_machine_lock(CommandContext& s, const ledger::Machine& m, CommandKind kind,
                            const std::string& reason);
Outcome audit_machine_command(CommandContext& s, const std::string& machine,
                              const CommandRequest& request, const std::string& broker_user,
                              const CommandDelivery& delivery);

// Held sessions (cmd_errors.cpp): `check` prints how many and their minutes. A change that can
// make held sessions billable (a machine registered, a member added or re-classed, a tariff set)
// ingests them and tells the manager how many; site empty: every machine's.
Outcome report_parked(CommandContext& s);
void tell_replayed(CommandContext& s, const std::string& site = {}, const std::string& id = {});

// Sets the action when `sub` is the command that was given. `options` lives as long as the
// App (captured), so option variables bound to it stay valid until the action runs.
template <class Options, class Run>
void on_run(CommandSpec sub, Invocation& inv, std::shared_ptr<Options> options, Run run,
            Invocation::Database database = Invocation::Database::Existing) {
    sub.callback([&inv, options, run, database] {
        inv.database = database;
        inv.action = [options, run](CommandContext& s) { return run(s, *options); };
    });
}

// A family of commands (`fabctl members ...`), which needs one of its subcommands.
inline CommandSpec add_command_group(CommandSpec app, const std::string& name,
                                     const std::string& help) {
    auto group = app.add_subcommand(name, help);
    group.require_subcommand();
    return group;
}

// Adds the subcommand `name` to `parent`, run by `run` with its Options as parsed (owned by the
// App, so they outlive parsing). Options bind their fields to the command's arguments next to
// the fields, in the order `--help` lists them: `void declare(CommandSpec command)`. A command
// without arguments has empty Options and no declare.
template <class Options, class Run>
void add_command(CommandSpec parent, Invocation& inv, const std::string& name,
                 const std::string& help, Run run,
                 Invocation::Database database = Invocation::Database::Existing) {
    auto options = std::make_shared<Options>();
    auto command = parent.add_subcommand(name, help);
    if constexpr (!std::is_empty_v<Options>) options->declare(command);
    on_run(command, inv, options, run, database);
}

// Converts the ledger's Status/Result failures into runtime failures.
inline Outcome check(const Status& s) {
    if (!s) return runtime_failure(s.error());
    return {};
}

// What a command that cannot be undone asks for: --yes. Without it the command refuses, saying
// what it would do, so the manager decides knowing it.
struct Confirmation {
    bool yes = false;

    void declare(CommandSpec command) { command.add_flag("--yes", yes, "confirm"); }

    // `consequence`: what the command would do; `advice`: what to do instead or first, if any.
    Outcome given(const std::string& consequence, const std::string& advice = {}) const {
        if (yes) return {};
        return usage_failure("--yes", consequence + "; add --yes to confirm" +
                                          (advice.empty() ? "" : " (" + advice + ")"));
    }
};

// How many of the newest rows a listing shows (audit entries, refused messages): --limit. The
// default is written once, here, and the help text says it.
struct RowLimit {
    static constexpr int kDefault = 50;
    int value = kDefault;

    // `how_many`: what the help says the number counts ("how many entries").
    void declare(CommandSpec command, const std::string& how_many) {
        command
            .add_option("--limit", value, how_many + " (default " + std::to_string(kDefault) + ")")
            .must_be_in_range(1, 1000000);
    }
};

// A time/date/duration/money argument that failed to parse, named by its option.
inline tl::unexpected<Failure> bad_argument(const std::string& option, const Error& e) {
    return usage_failure(option, e.what);
}

}  // namespace fabgate::ctl

#include "ctl/fabctl.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <type_traits>

#include <CLI/CLI.hpp>

#include "ctl/broker_login.hpp"
#include "ctl/broker_publish.hpp"
#include "ctl/command.hpp"
#include "ctl/lab_zone.hpp"
#include "sys/log.hpp"
#include "sys/system_clock.hpp"

namespace fabgate::ctl {
namespace {

constexpr const char* kDefaultConfig = "/etc/fabgate/ledger.json";

struct Globals {
    std::string config;
    std::string database;
    std::string actor;
    std::string broker_config;
    bool json = false;
};

void print_failure(std::ostream& err, const Error& e) {
    err << "fabctl: " << e.message() << "\n";
}

// The ledger's config gives the database and the broker. It is optional when --db names the
// database (broker commands then use the default broker, 127.0.0.1:1883).
Outcome load_config(const Globals& g, ledger::LedgerConfig& config, bool& config_read) {
    bool explicit_config = !g.config.empty();
    std::string path = explicit_config ? g.config : kDefaultConfig;
    std::error_code ec;
    if (!explicit_config && !std::filesystem::exists(path, ec)) {
        if (!g.database.empty()) return {};
        return usage_failure("--config", std::string(kDefaultConfig) +
                                             " does not exist: give the ledger's config with "
                                             "--config FILE or the database with --db FILE");
    }
    auto loaded = ledger::load_ledger_config_file(path);
    if (!loaded) {
        std::string what;
        for (const auto& e : loaded.error()) what += (what.empty() ? "" : "; ") + e.message();
        return runtime_failure("config", what);
    }
    config = *loaded;
    config_read = true;
    return {};
}

Outcome open_database(Invocation::Database mode, const std::string& path,
                      std::optional<ledger::LedgerDb>& db) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    if (mode == Invocation::Database::Existing && !exists)
        return runtime_failure(path,
                               "no ledger database here (start fabledger, or create one with "
                               "`fabctl --db " +
                                   path + " init`)");
    // The ledger refuses, untouched, a file that is not a FabGate ledger (store/sqlite.cpp).
    ledger::OpenOptions options;
    options.create = mode == Invocation::Database::Create;
    auto opened = ledger::LedgerDb::open(path, options);
    if (!opened) return runtime_failure(opened.error());
    db.emplace(std::move(*opened));
    return {};
}

std::string default_actor(const Environment& env) {
    for (const char* name : {"SUDO_USER", "USER", "LOGNAME"}) {
        auto v = env.getenv ? env.getenv(name) : std::nullopt;
        if (v && !v->empty()) return *v;
    }
    return "unknown";
}

// "A subcommand is required" does not say that `fabctl membres list` misspelt the command,
// nor which commands there are: name the word not understood, and the choices.
std::optional<std::string> explain_missing_command(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_name() != "RequiredError") return std::nullopt;
    const CLI::App* deepest = &app;
    while (!deepest->get_subcommands().empty()) deepest = deepest->get_subcommands().front();
    auto choices = deepest->get_subcommands(std::function<bool(const CLI::App*)>{});
    if (choices.empty()) return std::nullopt;
    std::string known;
    for (const auto* sub : choices) known += (known.empty() ? "" : ", ") + sub->get_name();
    std::string where;  // "members: "
    for (const CLI::App* a = &app; a != deepest;) {
        a = a->get_subcommands().front();
        where += (where.empty() ? "" : " ") + a->get_name();
    }
    if (!where.empty()) where += ": ";
    auto left = app.remaining(true);
    if (left.empty()) return where + "give a command: " + known;
    return where + "unknown command '" + left.front() + "' (commands: " + known + ")";
}

// CLI11's "The following arguments were not expected: Europe/Paris --tz" lists them reversed
// (fabctl hands it the arguments reversed, as its parse(vector) wants), without our prefix and
// without saying what would have been understood. Name them in the order typed, and the
// options the command does take.
std::optional<std::string> explain_extras(const CLI::App& app, const CLI::ParseError& e,
                                          const std::vector<std::string>& args) {
    // Its name is the app's, not "ExtrasError": CLI11 passes name_ to the error.
    if (dynamic_cast<const CLI::ExtrasError*>(&e) == nullptr) return std::nullopt;
    std::vector<std::string> left = app.remaining();
    const CLI::App* deepest = &app;
    std::string where;
    while (!deepest->get_subcommands().empty()) {
        deepest = deepest->get_subcommands().front();
        where += (where.empty() ? "" : " ") + deepest->get_name();
        for (auto& r : deepest->remaining()) left.push_back(r);
    }
    std::string typed;  // in the order given
    for (const auto& a : args) {
        auto it = std::find(left.begin(), left.end(), a);
        if (it == left.end()) continue;
        left.erase(it);
        typed += (typed.empty() ? "" : " ") + a;
    }
    auto options_of = [](const CLI::App& a) {
        std::string names;
        for (const auto* o : a.get_options()) {
            if (!o->nonpositional() || o->get_name() == "--help") continue;
            names += (names.empty() ? "" : ", ") + o->get_name();
        }
        return names;
    };
    std::string message = (where.empty() ? "" : where + ": ") + "not understood: " + typed + ". ";
    if (deepest != &app) {
        auto own = options_of(*deepest);
        message += own.empty() ? "`" + where + "` takes no options of its own; "
                               : "options of `" + where + "`: " + own + "; ";
    }
    return message + "global options: " + options_of(app);
}

// Parses the command line (CLI11 takes it in reverse). On a mistake, returns what `refused`
// makes of CLI11's error and of our own explanation of an unknown or missing command, if any.
// The error is passed on, not copied: CLI11 tells --help from a mistake by its type.
template <class Refused>
std::optional<std::invoke_result_t<Refused, const CLI::ParseError&, std::optional<std::string>>>
parse_args(CLI::App& app, const std::vector<std::string>& args, Refused refused) {
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        auto explained = explain_missing_command(app, e);
        if (!explained) explained = explain_extras(app, e, args);
        return refused(e, std::move(explained));
    }
}

void add_all_commands(CLI::App& app, Invocation& inv) {
    add_member_commands(app, inv);
    add_badge_commands(app, inv);
    add_right_commands(app, inv);
    add_machine_commands(app, inv);
    add_tariff_commands(app, inv);
    add_billing_commands(app, inv);
    add_admin_commands(app, inv);
    add_error_commands(app, inv);
}

constexpr const char* kFabctlHelp =
    "fabctl: manage FabGate members, badges, rights, machines and tariffs, and read usage "
    "and billing from the ledger.\nTimes are in the lab's time zone (the ledger config's "
    "time_zone; UTC without one): dates are YYYY-MM-DD (local midnight), times "
    "2026-01-31T14:05, or with an offset 2026-01-31T14:05:00Z or ...+01:00; durations are "
    "like 90s, 6m, 2h, 1h30m; amounts like 12.50.";

void add_global_options(CLI::App& app, Globals& g) {
    app.fallthrough();  // global options may follow the subcommand: `fabctl members list --json`
    app.require_subcommand(1);
    app.set_version_flag("--version", "fabctl 0.1.0");
    app.footer("Exit codes: 0 ok, 1 runtime error, 2 usage error. Run `fabctl COMMAND --help`.");
    app.add_option(
           "--config", g.config,
           "the ledger's config (database path and broker); default " + std::string(kDefaultConfig))
        ->type_name("FILE");
    app.add_option("--db", g.database, "ledger database file (overrides the config's)")
        ->type_name("FILE");
    app.add_option("--broker-config", g.broker_config,
                   "your broker login for machine commands (default " +
                       std::string(kManagerLoginDir) + "/<you>.json)")
        ->type_name("FILE");
    app.add_flag("--json", g.json, "machine-readable JSON output");
    app.add_option("--actor", g.actor,
                   "who makes the change, for the audit log (default $SUDO_USER or $USER)")
        ->type_name("NAME");
}

// The exit code when the command line leaves nothing to run: --help, --version, a mistake, or
// a command group without its subcommand (`fabctl members`).
std::optional<int> parse_command_line(CLI::App& app, const std::vector<std::string>& args,
                                      const Invocation& inv, std::ostream& out, std::ostream& err) {
    auto refused =
        parse_args(app, args, [&](const CLI::ParseError& e, std::optional<std::string> explained) {
            if (explained) {
                err << "fabctl: " << *explained << "\nRun with --help for more information.\n";
                return kExitUsage;
            }
            int code = app.exit(e, out, err);
            return code == 0 ? kExitOk : kExitUsage;
        });
    if (refused) return *refused;
    if (!inv.action) {
        err << "fabctl: give a command; see `fabctl --help`\n";
        return kExitUsage;
    }
    return std::nullopt;
}

int report_failure(std::ostream& err, const Failure& f) {
    print_failure(err, f.error);
    if (f.error.what.find("malformed") != std::string::npos)
        err << "The ledger database is damaged; nothing was changed. Stop fabledger, keep a "
               "copy of the file and restore a backup (`fabctl check` verifies a file).\n";
    if (f.exit_code == kExitUsage) err << "Run with --help for more information.\n";
    return f.exit_code;
}

Failure as_runtime_failure(Error e) {
    return Failure{std::move(e), kExitRuntime};
}

// What a command runs against, read and opened before it runs.
struct Resources {
    ledger::LedgerConfig config;
    bool config_loaded = false;
    std::unique_ptr<ZoneRules> zone;  // null: UTC
    std::optional<ledger::LedgerDb> db;
};

// In this order, so the first problem reported is the same whatever else is wrong: the config,
// its time zone, --actor, then the database (only if the command needs one).
Outcome open_resources(const Globals& g, Invocation::Database mode, Resources& r) {
    TRY(load_config(g, r.config, r.config_loaded));
    if (!r.config.time_zone.empty()) {
        TRY_ASSIGN(r.zone, load_zone(r.config.time_zone).map_error(as_runtime_failure));
    }
    if (!g.actor.empty() &&
        std::all_of(g.actor.begin(), g.actor.end(), [](char c) { return c == ' '; }))
        return usage_failure("--actor", "is blank");
    if (mode != Invocation::Database::None)
        TRY(open_database(mode, g.database.empty() ? r.config.database : g.database, r.db));
    return {};
}

// Every time read or printed during a run is in the lab's zone; none outlives the run.
class LabZoneScope {
  public:
    explicit LabZoneScope(const ZoneRules* zone) { set_lab_zone(zone); }
    ~LabZoneScope() { set_lab_zone(nullptr); }
    LabZoneScope(const LabZoneScope&) = delete;
    LabZoneScope& operator=(const LabZoneScope&) = delete;
};

CommandContext context_for(const Globals& g, Resources& r, const Environment& env,
                           std::ostream& out, std::ostream& err) {
    CommandContext context;
    context.db = r.db ? &*r.db : nullptr;
    context.config = &r.config;
    context.config_loaded = r.config_loaded;
    context.broker_config = g.broker_config;
    context.env = &env;
    context.person = g.actor.empty() ? default_actor(env) : g.actor;
    context.actor = "fabctl:" + context.person;
    context.now = env.now ? env.now() : SystemClock().wall().unix_ms;
    context.json = g.json;
    context.out = &out;
    context.err = &err;
    return context;
}

}  // namespace

Outcome run_command(const std::vector<std::string>& args, CommandContext& context) {
    CLI::App app{"fabctl", "fabctl"};
    app.require_subcommand(1);
    Invocation inv;
    add_all_commands(app, inv);
    auto refused = parse_args(
        app, args, [](const CLI::ParseError& e, std::optional<std::string> explained) -> Outcome {
            std::string what = explained ? *explained : e.what();
            // CLI11 says "--role: boss not in {...}": the option is the where, as in our own
            // errors.
            auto colon = what.find(": ");
            if (!explained && what.rfind("--", 0) == 0 && colon != std::string::npos)
                return usage_failure(what.substr(0, colon), what.substr(colon + 2));
            return usage_failure("", what);
        });
    if (refused) return *refused;
    if (!inv.action) return usage_failure("", "give a command");
    if (inv.database != Invocation::Database::Existing || context.db == nullptr)
        return usage_failure("", "this command needs fabctl itself");
    return inv.action(context);
}

Environment system_environment() {
    Environment env;
    env.now = [] { return SystemClock().wall().unix_ms; };
    env.getenv = [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (!v) return std::nullopt;
        return std::string(v);
    };
    env.send_command = send_and_confirm;
    return env;
}

int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    return run_fabctl(args, out, err, system_environment());
}

int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const Environment& env) {
    // libmosquitto's reconnect chatter is not for the manager; real problems come back as errors.
    log::set_threshold(log::Level::Warning);
    CLI::App app{kFabctlHelp, "fabctl"};
    Globals g;
    add_global_options(app, g);
    Invocation inv;
    add_all_commands(app, inv);
    if (auto done = parse_command_line(app, args, inv, out, err)) return *done;

    Resources resources;
    if (auto opened = open_resources(g, inv.database, resources); !opened)
        return report_failure(err, opened.error());
    LabZoneScope zone_scope(resources.zone.get());
    auto context = context_for(g, resources, env, out, err);
    if (auto result = inv.action(context); !result) return report_failure(err, result.error());
    return kExitOk;
}

}  // namespace fabgate::ctl

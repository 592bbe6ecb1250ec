#include "ctl/fabctl.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "ctl/broker_publish.hpp"
#include "ctl/command.hpp"
#include "sys/log.hpp"
#include "sys/system_clock.hpp"

namespace fabgate::ctl {
namespace {

constexpr const char* kDefaultConfig = "/etc/fabgate/ledger.json";

struct Globals {
    std::string config;
    std::string database;
    std::string actor;
    bool json = false;
};

void print_failure(std::ostream& err, const Error& e) {
    err << "fabctl: " << e.message() << "\n";
}

// The ledger's config gives the database and the broker. It is optional when --db names the
// database (broker commands then use the default broker, 127.0.0.1:1883).
Outcome load_config(const Globals& g, ledger::LedgerConfig& config) {
    bool explicit_config = !g.config.empty();
    std::string path = explicit_config ? g.config : kDefaultConfig;
    std::error_code ec;
    if (!explicit_config && !std::filesystem::exists(path, ec)) {
        if (!g.database.empty()) return {};
        return usage_error("--config", std::string(kDefaultConfig) +
                                           " does not exist: give the ledger's config with "
                                           "--config FILE or the database with --db FILE");
    }
    auto loaded = ledger::load_ledger_config_file(path);
    if (!loaded) {
        std::string what;
        for (const auto& e : loaded.error()) what += (what.empty() ? "" : "; ") + e.message();
        return runtime_error("config", what);
    }
    config = *loaded;
    return {};
}

Outcome open_database(Invocation::Database mode, const std::string& path,
                      std::optional<ledger::LedgerDb>& db) {
    std::error_code ec;
    if (mode == Invocation::Database::Existing && !std::filesystem::exists(path, ec))
        return runtime_error(path,
                             "no ledger database here (start fabledger, or create one with "
                             "`fabctl --db " +
                                 path + " init`)");
    ledger::OpenOptions options;
    options.create = mode == Invocation::Database::Create;
    auto opened = ledger::LedgerDb::open(path, options);
    if (!opened) return runtime_error(opened.error());
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

}  // namespace

Environment system_environment() {
    Environment env;
    env.now = [] { return SystemClock().wall().unix_ms; };
    env.getenv = [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (!v) return std::nullopt;
        return std::string(v);
    };
    env.publish = publish_and_wait;
    return env;
}

int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    return run_fabctl(args, out, err, system_environment());
}

int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const Environment& env) {
    // libmosquitto's reconnect chatter is not for the manager; real problems come back as errors.
    log::set_threshold(log::Level::Warning);

    CLI::App app{
        "fabctl: manage FabGate members, badges, rights, machines and tariffs, and read usage "
        "and billing from the ledger.\nTimes are UTC: dates are YYYY-MM-DD (midnight UTC) or "
        "2026-01-31T14:05:00Z; durations are like 90s, 6m, 2h, 1h30m; amounts like 12.50.",
        "fabctl"};
    app.fallthrough();  // global options may follow the subcommand: `fabctl members list --json`
    app.require_subcommand(1);
    app.set_version_flag("--version", "fabctl 0.1.0");
    app.footer("Exit codes: 0 ok, 1 runtime error, 2 usage error. Run `fabctl COMMAND --help`.");

    Globals g;
    app.add_option(
           "--config", g.config,
           "the ledger's config (database path and broker); default " + std::string(kDefaultConfig))
        ->type_name("FILE");
    app.add_option("--db", g.database, "ledger database file (overrides the config's)")
        ->type_name("FILE");
    app.add_flag("--json", g.json, "machine-readable JSON output");
    app.add_option("--actor", g.actor,
                   "who makes the change, for the audit log (default $SUDO_USER or $USER)")
        ->type_name("NAME");

    Invocation inv;
    add_member_commands(app, inv);
    add_badge_commands(app, inv);
    add_right_commands(app, inv);
    add_machine_commands(app, inv);
    add_tariff_commands(app, inv);
    add_billing_commands(app, inv);
    add_admin_commands(app, inv);

    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e, out, err);
        return code == 0 ? kExitOk : kExitUsage;
    }
    if (!inv.action) {  // a command group without its subcommand: `fabctl members`
        err << "fabctl: give a command; see `fabctl --help`\n";
        return kExitUsage;
    }

    auto report = [&](const Failure& f) {
        print_failure(err, f.error);
        if (f.exit_code == kExitUsage) err << "Run with --help for more information.\n";
        return f.exit_code;
    };

    ledger::LedgerConfig config;
    if (auto loaded = load_config(g, config); !loaded) return report(loaded.error());
    std::string database = g.database.empty() ? config.database : g.database;
    if (!g.actor.empty() &&
        std::all_of(g.actor.begin(), g.actor.end(), [](char c) { return c == ' '; }))
        return report(Failure{{"--actor", "is blank"}, kExitUsage});

    std::optional<ledger::LedgerDb> db;
    if (inv.database != Invocation::Database::None) {
        if (auto opened = open_database(inv.database, database, db); !opened)
            return report(opened.error());
    }

    Session session;
    session.db = db ? &*db : nullptr;
    session.config = &config;
    session.database_path = database;
    session.env = &env;
    session.person = g.actor.empty() ? default_actor(env) : g.actor;
    session.actor = "fabctl:" + session.person;
    session.now = env.now ? env.now() : SystemClock().wall().unix_ms;
    session.json = g.json;
    session.out = &out;
    session.err = &err;
    auto result = inv.action(session);
    if (!result) return report(result.error());
    return kExitOk;
}

}  // namespace fabgate::ctl

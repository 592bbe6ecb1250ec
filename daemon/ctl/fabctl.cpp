#include "ctl/fabctl.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "ctl/broker_publish.hpp"
#include "ctl/command_line.hpp"
#include "ctl/lab_zone.hpp"
#include "sys/log.hpp"
#include "sys/system_clock.hpp"

namespace fabgate::ctl {
namespace {

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
    TRY_ASSIGN(auto opened, ledger::LedgerDb::open(path, options));
    db.emplace(std::move(opened));
    return {};
}

std::string default_actor(const Environment& env) {
    for (const char* name : {"SUDO_USER", "USER", "LOGNAME"}) {
        auto v = env.getenv ? env.getenv(name) : std::nullopt;
        if (v && !v->empty()) return *v;
    }
    return "unknown";
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

// A setting parse.hpp reads for the whole of one run, cleared after it: none outlives the run.
template <typename Setting, void (*set)(const Setting*)>
class RunScope {
  public:
    explicit RunScope(const Setting* setting) { set(setting); }
    ~RunScope() { set(nullptr); }
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;
};
// Every time read or printed during a run is in the lab's zone.
using LabZoneScope = RunScope<ZoneRules, set_lab_zone>;
// Money is typed and shown with the decimals this ledger stores it with.
using KeptDecimalsScope = RunScope<KeptDecimals, set_kept_decimals>;

Outcome run_action(const Invocation& inv, CommandContext& context) {
    KeptDecimals kept;
    if (context.db) {
        TRY_ASSIGN(kept, context.db->tariffs().kept_decimals());
    }
    KeptDecimalsScope scope(context.db ? &kept : nullptr);
    return inv.action(context);
}

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
    Invocation inv;
    TRY(parse_command_only(args, inv));
    if (!inv.action) return usage_failure("", "give a command");
    if (inv.database != Invocation::Database::Existing || context.db == nullptr)
        return usage_failure("", "this command needs fabctl itself");
    return run_action(inv, context);
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
    Globals g;
    Invocation inv;
    if (auto done = parse_fabctl_line(args, g, inv, out, err)) return *done;

    Resources resources;
    if (auto opened = open_resources(g, inv.database, resources); !opened)
        return report_failure(err, opened.error());
    LabZoneScope zone_scope(resources.zone.get());
    auto context = context_for(g, resources, env, out, err);
    if (auto result = run_action(inv, context); !result) return report_failure(err, result.error());
    return kExitOk;
}

}  // namespace fabgate::ctl

#include "web/fabweb.hpp"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include <CLI/CLI.hpp>

#include "ctl/lab_zone.hpp"
#include "ledger/ledger_db.hpp"
#include "sys/log.hpp"
#include "sys/system_clock.hpp"
#include "web/auth.hpp"
#include "web/web_config.hpp"
#include "web/web_server.hpp"

namespace fabgate::web {
namespace {

constexpr const char* kDefaultConfig = "/etc/fabledger/fabweb.json";

struct Options {
    std::string config = kDefaultConfig;
    std::string database;
    std::string static_dir;
    std::string add_manager;
    std::string remove_manager;
    std::string role = "admin";
    std::string machines;
};

// Who runs `fabweb --add-manager`, for the audit log: the Unix user, and SUDO_USER.
std::string unix_actor() {
    std::string who = std::to_string(::getuid());
    if (const char* user = std::getenv("SUDO_USER"); user && *user)
        who = user;
    else if (const char* u = std::getenv("USER"); u && *u)
        who = u;
    return "fabweb:" + who;
}

int manage_accounts(const Options& o, ledger::LedgerDb& db, std::istream& in, std::ostream& out,
                    std::ostream& err) {
    auto now = SystemClock().wall().unix_ms;
    if (!o.remove_manager.empty()) {
        if (auto r = db.managers().remove(o.remove_manager, unix_actor(), now); !r) {
            err << "fabweb: " << r.error().message() << "\n";
            return 1;
        }
        out << "removed manager " << o.remove_manager << "\n";
        return 0;
    }
    auto role = ledger::manager_role_from_string(o.role);
    if (!role) {
        err << "fabweb: --role: '" << o.role << "' is not admin, trainer or treasurer\n";
        return 2;
    }
    ledger::ManagerAccount account;
    account.login = o.add_manager;
    account.role = *role;
    std::stringstream list(o.machines);
    for (std::string m; std::getline(list, m, ',');) {
        if (m.empty()) continue;
        if (m.find('/') == std::string::npos) {
            err << "fabweb: --machines: '" << m << "': write the site too, e.g. lab/" << m << "\n";
            return 2;
        }
        account.machines.push_back(m);
    }
    if (account.role != ledger::ManagerRole::Trainer && !account.machines.empty()) {
        err << "fabweb: --machines: only a trainer's account lists machines\n";
        return 2;
    }
    std::string password;
    std::getline(in, password);  // stdin, never argv: the command line is visible to all
    if (auto ok = check_password_strength(password); !ok) {
        err << "fabweb: " << ok.error().message() << " (read from standard input)\n";
        return 2;
    }
    auto hash = hash_password(password);
    if (!hash) {
        err << "fabweb: " << hash.error().message() << "\n";
        return 1;
    }
    account.password_hash = *hash;
    if (auto r = db.managers().put(account, unix_actor(), now); !r) {
        err << "fabweb: " << r.error().message() << "\n";
        return 1;
    }
    out << "manager " << account.login << " (" << o.role << ") can log in to the console\n";
    return 0;
}

}  // namespace

int run_fabweb(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
    CLI::App app{"fabweb: the FabGate web console (docs/console.md)", "fabweb"};
    Options o;
    app.add_option("--config", o.config,
                   "config file (default " + std::string(kDefaultConfig) + ")");
    app.add_option("--db", o.database, "ledger database (overrides the config's)");
    app.add_option("--static-dir", o.static_dir, "front end directory (overrides the config's)");
    app.add_option("--add-manager", o.add_manager,
                   "create or update a console account; its password is read from stdin");
    app.add_option("--role", o.role, "with --add-manager: admin, trainer or treasurer");
    app.add_option("--machines", o.machines, "with --add-manager: a trainer's SITE/ID,...");
    app.add_option("--remove-manager", o.remove_manager, "delete a console account");
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        return app.exit(e, out, err) == 0 ? 0 : 2;
    }
    auto config = load_web_config_file(o.config);
    if (!config) {
        for (const auto& e : config.error()) err << "fabweb: " << e.message() << "\n";
        return 1;
    }
    if (!o.database.empty()) config->database = o.database;
    if (!o.static_dir.empty()) config->static_dir = o.static_dir;

    std::error_code ec;
    if (!std::filesystem::exists(config->database, ec)) {
        err << "fabweb: " << config->database
            << ": no ledger database here (start fabledger, or `fabctl --db FILE init`)\n";
        return 1;
    }
    ledger::OpenOptions open_options;
    open_options.create = false;
    auto db = ledger::LedgerDb::open(config->database, open_options);
    if (!db) {
        err << "fabweb: " << db.error().message() << "\n";
        return 1;
    }
    if (!o.add_manager.empty() || !o.remove_manager.empty())
        return manage_accounts(o, *db, in, out, err);
    return serve(*config, *db, err);
}

}  // namespace fabgate::web

// fabledger: the central billing store. Thin: arguments, config, then the loop.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "ledger/ledger_app.hpp"
#include "ledger/ledger_config.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"
#include "sys/system_clock.hpp"

using namespace fabgate;

namespace {

log::Level level_from(const std::string& name) {
    if (name == "error") return log::Level::Error;
    if (name == "warning") return log::Level::Warning;
    if (name == "notice") return log::Level::Notice;
    if (name == "debug") return log::Level::Debug;
    return log::Level::Info;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fabledger: stores every FabGate session exactly once and publishes access lists"};
    std::string config_path, check_path, database;
    int broker_port = 0;
    bool verbose = false;
    app.add_option("-c,--config", config_path,
                   "ledger config file (JSON), e.g. config/ledger.json");
    app.add_option("--check-config", check_path,
                   "validate a config file, naming every problem, and exit");
    app.add_option("--database", database, "ledger database file (overrides the config)");
    app.add_option("--broker-port", broker_port, "broker port (overrides the config)")
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", verbose, "debug log lines");
    CLI11_PARSE(app, argc, argv);

    if (!check_path.empty()) {
        auto cfg = ledger::load_ledger_config_file(check_path);
        if (cfg) {
            std::cout << check_path << ": valid (database " << cfg->database << ", broker "
                      << cfg->broker.host << ":" << cfg->broker.port << ", client id "
                      << cfg->broker.client_id << ")\n";
            return 0;
        }
        for (const auto& e : cfg.error()) std::cerr << e.message() << "\n";
        std::cerr << check_path << ": " << cfg.error().size() << " problem(s)\n";
        return 1;
    }
    if (config_path.empty()) {
        std::cerr << "fabledger needs --config FILE (see config/ledger.json)\n";
        return 2;
    }
    auto config = ledger::load_ledger_config_file(config_path);
    if (!config) {
        for (const auto& e : config.error()) std::cerr << e.message() << "\n";
        return 1;
    }
    if (!database.empty()) config->database = database;
    if (broker_port) config->broker.port = broker_port;

    log::set_component("fabledger");
    log::set_threshold(verbose ? log::Level::Debug : level_from(config->log_level));

    try {
        EventLoop loop;
        SystemClock clock;
        ledger::LedgerApp ledger(loop, clock, *config);
        (void)loop.on_signal(SIGTERM, [&] { ledger.shutdown(); });
        (void)loop.on_signal(SIGINT, [&] { ledger.shutdown(); });
        std::signal(SIGPIPE, SIG_IGN);
        if (auto s = ledger.start(); !s) {
            log::error("ledger", "cannot start: " + s.error().message());
            return 1;
        }
        notify::ready("storing sessions");
        notify::start_watchdog(loop);
        int code = loop.run();
        notify::stopping();
        ledger.drain();
        return code;
    } catch (const std::exception& e) {
        log::error("ledger", std::string("fatal: ") + e.what());
        return 70;
    }
}

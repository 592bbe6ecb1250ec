// fabgate: the machine daemon. Thin: arguments, config, hardware choice, then the loop.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "control_socket.hpp"
#include "core/gate_config.hpp"
#include "gate/gate_app.hpp"
#include "relay_off.hpp"
#include "sim_gate.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"
#include "sys/session_ids.hpp"
#include "sys/system_clock.hpp"
#ifdef FABGATE_HAVE_GPIO
#include "gpio/gate_hardware.hpp"
#include "gpio/probe.hpp"
#endif

using namespace fabgate;

namespace {

// What the gate trusts, said loudly when it is nothing at all.
std::string trust_summary(const GateConfig& cfg) {
    if (!cfg.acl_public_keys.empty())
        return "access lists and acks must be signed by " +
               std::to_string(cfg.acl_public_keys.size()) + " trusted ledger key(s)";
    if (cfg.insecure_unsigned_acl)
        return "INSECURE: insecure_unsigned_acl is set and there is no acl_public_keys: anyone "
               "who may publish on this machine's acl topic can grant access, and any acks "
               "topic writer can delete unbilled sessions";
    return "no acl_public_keys: every access list will be refused (set the ledger's public key, "
           "or \"insecure_unsigned_acl\": true for a test bench)";
}

int check_config(const std::string& path) {
    auto cfg = load_gate_config_file(path);
    if (cfg) {
        std::cout << path << ": valid (" << cfg->site << "/" << cfg->machine << ")\n";
        bool trusted = !cfg->acl_public_keys.empty();
        (trusted ? std::cout : std::cerr) << path << ": " << trust_summary(*cfg) << "\n";
        return 0;
    }
    for (const auto& e : cfg.error()) std::cerr << e.message() << "\n";
    std::cerr << path << ": " << cfg.error().size() << " problem(s)\n";
    return 1;
}

Result<std::unique_ptr<Outputs>> open_hardware(const GateConfig& config, EventLoop& loop,
                                               HardwareEvents& events, const Clock& clock) {
    if (config.hardware.kind == HardwareKind::Sim)
        return open_sim_hardware(config, loop, events, clock);
#ifdef FABGATE_HAVE_GPIO
    return open_gpio_hardware(config.hardware, loop, events, clock);
#else
    return fail("hardware.kind",
                "gpio hardware needs a build with libgpiod; this fabgate was built without it");
#endif
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "fabgate: controls a FabLab machine's power from badge rights and meters its sessions"};
    std::string config_path, check_path, send_line, control_socket, journal;
    int broker_port = 0;
    bool probe = false, print_default = false, verbose = false, relay_off = false;
    app.add_option("-c,--config", config_path,
                   "gate config file (JSON); without it, the embedded demo config")
        ->check(CLI::ExistingFile);
    app.add_option("--check-config", check_path,
                   "validate a config file, naming every problem, and exit");
    app.add_flag("--print-default-config", print_default,
                 "print the embedded demo config and exit");
    app.add_flag("--relay-off", relay_off,
                 "drive the relay and after-run lines of --config off and exit; works with a "
                 "config that does not validate (systemd's ExecStopPost runs it)");
    app.add_flag(
        "--probe", probe,
        "list GPIO chips and lines, input devices, serial ports and SPI devices, and exit");
    app.add_option("--send", send_line,
                   "send one command to a running simulated gate (see --control-socket) and exit");
    app.add_option("--control-socket", control_socket,
                   "simulated hardware's control socket (overrides the config)");
    app.add_option("--journal", journal, "journal database file (overrides the config)");
    app.add_option("--broker-port", broker_port, "broker port (overrides the config)")
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", verbose, "debug log lines");
    CLI11_PARSE(app, argc, argv);

    if (relay_off) return run_relay_off(config_path);
    if (!check_path.empty()) return check_config(check_path);
    if (print_default) {
        std::cout << embedded_demo_config() << "\n";
        return 0;
    }
    if (probe) {
#ifdef FABGATE_HAVE_GPIO
        std::cout << probe_report();
        return 0;
#else
        std::cerr << "this fabgate was built without libgpiod: nothing to probe\n";
        return 1;
#endif
    }
    if (!send_line.empty()) {
        if (control_socket.empty()) {
            std::cerr << "--send needs --control-socket PATH\n";
            return 2;
        }
        auto reply = send_control_command(control_socket, send_line);
        if (!reply) {
            std::cerr << reply.error().message() << "\n";
            return 1;
        }
        std::cout << *reply << "\n";
        return 0;
    }

    // Before anything else, and before the config is validated: a restart with a config that
    // does not validate must not leave the machine powered.
    relay_off_before_start(config_path);
    auto config = config_path.empty() ? load_gate_config_text(embedded_demo_config())
                                      : load_gate_config_file(config_path);
    if (!config) {
        for (const auto& e : config.error()) std::cerr << e.message() << "\n";
        std::cerr << "fabgate: not starting: the config has " << config.error().size()
                  << " problem(s)\n";
        return 1;
    }
    if (!control_socket.empty()) config->control_socket = control_socket;
    if (!journal.empty()) config->journal = journal;
    if (broker_port) config->broker.port = broker_port;

    log::set_component("fabgate[" + config->machine + "]");
    if (verbose) log::set_threshold(log::Level::Debug);

    try {
        EventLoop loop;
        SystemClock clock;
        Uuid7Ids ids(clock);
        GateApp gate(loop, clock, ids, *config, open_hardware, config_path);
        if (config->acl_public_keys.empty())
            log::error("acl", trust_summary(*config));
        else
            log::info("acl", trust_summary(*config));
        (void)loop.on_signal(SIGTERM, [&] { gate.shutdown(); });
        (void)loop.on_signal(SIGINT, [&] { gate.shutdown(); });
        (void)loop.on_signal(SIGHUP, [&] { gate.reload(); });
        std::signal(SIGPIPE, SIG_IGN);
        if (auto s = gate.start(); !s) {
            log::error("gate", "cannot start: " + s.error().message());
            return 1;
        }
        notify::ready("relay off, waiting for badges");
        notify::start_watchdog(loop);
        int code = loop.run();
        notify::stopping();
        return code;
    } catch (const std::exception& e) {
        // Only bugs and impossible start-up conditions get here; the relay object is gone,
        // which switched it off.
        log::error("gate", std::string("fatal: ") + e.what());
        return 70;
    }
}

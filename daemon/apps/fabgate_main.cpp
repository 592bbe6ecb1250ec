// fabgate: the machine daemon. Thin: arguments, config, hardware choice, then the loop.
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "control_socket.hpp"
#include "core/gate_config.hpp"
#include "ctl/decimal_option.hpp"
#include "gate/gate_app.hpp"
#include "relay_off.hpp"
#include "service.hpp"
#include "sim_gate.hpp"
#include "sys/log.hpp"
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
    // Before any line is requested: what ExecStopPost must switch off if this daemon dies.
    if (auto recorded = record_driven_outputs(config.hardware); !recorded)
        return fail(recorded.error().where, recorded.error().what +
                                                " (the record of the outputs to drive, which "
                                                "relay-off reads if the daemon dies)");
    return open_gpio_hardware(config.hardware, loop, events, clock);
#else
    return fail("hardware.kind",
                "gpio hardware needs a build with libgpiod; this fabgate was built without it");
#endif
}

struct GateOptions {
    std::string config_path, check_path, send_line, control_socket, journal;
    int broker_port = 0;
    bool probe = false, print_default = false, verbose = false, relay_off = false;
};

void add_gate_options(CLI::App& app, GateOptions& o) {
    app.add_option("-c,--config", o.config_path,
                   "gate config file (JSON); without it, the embedded demo config")
        ->check(CLI::ExistingFile);
    app.add_option("--check-config", o.check_path,
                   "validate a config file, naming every problem, and exit");
    app.add_flag("--print-default-config", o.print_default,
                 "print the embedded demo config and exit");
    app.add_flag("--relay-off", o.relay_off,
                 "drive the relay and after-run lines of --config off and exit; works with a "
                 "config that does not validate (systemd's ExecStopPost runs it)");
    app.add_flag(
        "--probe", o.probe,
        "list GPIO chips and lines, input devices, serial ports and SPI devices, and exit");
    app.add_option("--send", o.send_line,
                   "send one command to a running simulated gate (see --control-socket) and exit");
    app.add_option("--control-socket", o.control_socket,
                   "simulated hardware's control socket (overrides the config)");
    app.add_option("--journal", o.journal, "journal database file (overrides the config)");
    ctl::decimal_only(
        app.add_option("--broker-port", o.broker_port, "broker port (overrides the config)"))
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", o.verbose, "debug log lines");
}

int probe_and_exit() {
#ifdef FABGATE_HAVE_GPIO
    std::cout << probe_report();
    return 0;
#else
    std::cerr << "this fabgate was built without libgpiod: nothing to probe\n";
    return 1;
#endif
}

int send_and_exit(const GateOptions& o) {
    if (o.control_socket.empty()) {
        std::cerr << "--send needs --control-socket PATH\n";
        return 2;
    }
    auto reply = send_control_command(o.control_socket, o.send_line);
    if (!reply) {
        std::cerr << reply.error().message() << "\n";
        return 1;
    }
    std::cout << *reply << "\n";
    return 0;
}

// The one-shot modes (check a config, print the demo's, relay off, probe, send): the exit code,
// or nothing when the daemon should run.
std::optional<int> run_one_shot(const GateOptions& o) {
    if (o.relay_off) return run_relay_off(o.config_path);
    if (!o.check_path.empty()) return check_config(o.check_path);
    if (o.print_default) {
        std::cout << embedded_demo_config() << "\n";
        return 0;
    }
    if (o.probe) return probe_and_exit();
    if (!o.send_line.empty()) return send_and_exit(o);
    return std::nullopt;
}

int run_gate(const GateConfig& config, const std::string& config_path) {
    // A fatal exception ends the program once the relay object is gone, which switched it off.
    return run_guarded("gate", [&] {
        EventLoop loop;
        SystemClock clock;
        Uuid7Ids ids(clock);
        GateApp gate(loop, clock, ids, config, open_hardware, config_path);
        if (config.acl_public_keys.empty())
            log::error("acl", trust_summary(config));
        else
            log::info("acl", trust_summary(config));
        return run_service(loop, {.log_area = "gate",
                                  .ready_status = "relay off, waiting for badges",
                                  .start = [&] { return gate.start(); },
                                  .shutdown = [&] { gate.shutdown(); },
                                  .reload = [&] { gate.reload(); }});
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "fabgate: controls a FabLab machine's power from badge rights and meters its sessions"};
    GateOptions o;
    add_gate_options(app, o);
    CLI11_PARSE(app, argc, argv);
    if (auto code = run_one_shot(o)) return *code;

    // Before anything else, and before the config is validated: a restart with a config that
    // does not validate must not leave the machine powered.
    relay_off_before_start(o.config_path);
    auto config = o.config_path.empty() ? load_gate_config_text(embedded_demo_config())
                                        : load_gate_config_file(o.config_path);
    if (!config) {
        for (const auto& e : config.error()) std::cerr << e.message() << "\n";
        std::cerr << "fabgate: not starting: the config has " << config.error().size()
                  << " problem(s)\n";
        return 1;
    }
    if (!o.control_socket.empty()) config->control_socket = o.control_socket;
    if (!o.journal.empty()) config->journal = o.journal;
    if (o.broker_port) config->broker.port = o.broker_port;

    log::set_component("fabgate[" + config->machine + "]");
    if (o.verbose) log::set_threshold(log::Level::Debug);
    return run_gate(*config, o.config_path);
}

// Stage c, second part: the gate is killed with the relay on. The simulator built by
// scripts/hil-gpio-sim keeps a released output at its level, as a Raspberry Pi does, so the
// relay line must still be ON after the kill (else nothing below proves anything) and OFF only
// once `fabgate --relay-off` (what systemd's ExecStopPost runs) has run; also when the config
// was edited under the daemon to put the relay on another line. Then a restart onto a config
// that does not validate must switch a relay left on off before it fails.
#ifdef FABGATE_HIL_HAVE_DAEMON

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>

#include "daemon_rig.hpp"
#include "wiegand_driver.hpp"

namespace fabgate::hil {
namespace {

const char* const kBadConfig = "/tmp/hil-gate-bad.json";
const char* const kMovedConfig = "/tmp/hil-gate-moved.json";

std::string format_ms(std::int64_t us) {
    return std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100) + " ms";
}

// Exit status of `pid` within `timeout_ms`; -1 if it did not exit (it is killed then).
int wait_exit(pid_t pid, int timeout_ms) {
    const std::int64_t since = now_us();
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_us() - since > std::int64_t{timeout_ms} * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
            return -1;
        }
        pause_us(5'000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A gate started (on `config`, with `env` added to its environment), a member badged in,
// `before_kill` run, and the gate killed: true if the relay was on when the kill came.
// `killed_at` is when SIGKILL was sent.
bool kill_with_relay_on(Verdicts& v, const Options& options, const SimChip& sim,
                        const std::string& step, std::int64_t& killed_at,
                        const char* config = kConfig, std::vector<std::string> env = {},
                        const std::function<void()>& before_kill = {}) {
    const pid_t pid =
        spawn_fabgate(options.fabgate_path, {"--config", config, "-v"}, "a", std::move(env));
    if (!v.check(wait_lines_claimed(sim, pid), step + "-gate-starts")) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return false;
    }
    pause_us(300'000);  // the factory's held-back events go out on the loop's first round
    const bool on = badge_again_if_lost(v, sim, kMember, 1, 5000) >= 0;
    v.check(on, step + "-badge-in-relay-on");
    if (before_kill) before_kill();
    killed_at = now_us();
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return on;
}

bool log_mentions(const std::string& text) {
    std::ifstream log(kLog);
    std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    return all.find(text) != std::string::npos;
}

void relay_off_after_kill(Verdicts& v, const Options& options, const SimChip& sim) {
    std::int64_t killed_at = 0;
    if (!kill_with_relay_on(v, options, sim, "daemon/kill9", killed_at)) return;
    // The process is reaped, its line requests are gone. On a Pi, and on this gpio-sim, the
    // line stays where the dead gate left it: the machine is still powered.
    pause_us(200'000);
    v.check(sim.value(kRelay) == 1, "daemon/kill9-leaves-relay-on-without-relay-off",
            "the released relay line fell back to its pull: this gpio-sim does not keep output "
            "values, so the next check would pass without any relay-off step");
    const std::int64_t command_at = now_us();
    const pid_t off =
        spawn_fabgate(options.fabgate_path, {"--relay-off", "--config", kConfig}, "a");
    const int code = wait_exit(off, 20'000);
    const std::int64_t command_us = now_us() - command_at;
    v.check(code == 0, "daemon/relay-off-command-exits-0", "exit " + std::to_string(code));
    const std::int64_t off_us = wait_relay(sim, 0, killed_at, 1000);
    if (!v.check(off_us >= 0, "daemon/relay-off-after-kill9")) return;
    v.bench("kill -9 to relay off: " + format_ms(off_us) +
            " (includes a 200 ms wait proving the line stayed on); fabgate --relay-off "
            "itself, exec to exit: " +
            format_ms(command_us));
}

// An admin moved the relay from GPIO17 to GPIO27 in the config, for the next start, and the
// daemon was then killed. Under systemd ($RUNTIME_DIRECTORY) the daemon recorded the lines it
// drives there: relay-off must switch off GPIO17, which the config no longer names.
void relay_off_after_config_moved(Verdicts& v, const Options& options, const SimChip& sim) {
    char dir_template[] = "/tmp/hil-runtime-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (!v.check(dir != nullptr, "daemon/moved-relay-runtime-directory-made")) return;
    const std::string runtime = std::string("RUNTIME_DIRECTORY=") + dir;
    {
        std::ofstream config(kMovedConfig);
        config << config_text(sim.chip_name());
    }
    std::int64_t killed_at = 0;
    if (!kill_with_relay_on(v, options, sim, "daemon/moved-relay", killed_at, kMovedConfig,
                            {runtime}, [&] {
                                std::ofstream config(kMovedConfig);
                                config << config_text(sim.chip_name(), "GPIO27");
                            }))
        return;
    pause_us(200'000);
    v.check(sim.value(kRelay) == 1, "daemon/moved-relay-old-line-left-on-by-the-kill",
            "GPIO17 fell back to its pull: the next check would pass without any relay-off");
    // GPIO27 high too (as if left on): relay-off must drive the config's line off as well.
    sim.pull(kMovedRelay, true);
    v.check(sim.value(kMovedRelay) == 1, "daemon/moved-relay-new-line-high-before-relay-off");
    const pid_t off = spawn_fabgate(options.fabgate_path, {"--relay-off", "--config", kMovedConfig},
                                    "a", {runtime});
    const int code = wait_exit(off, 20'000);
    v.check(code == 0, "daemon/moved-relay-relay-off-exits-0", "exit " + std::to_string(code));
    v.check(wait_relay(sim, 0, now_us(), 1000) >= 0,
            "daemon/moved-relay-line-the-daemon-drove-off-after-kill9",
            "GPIO17, which the killed daemon drove, is still on: relay-off switched off only "
            "the line the edited config names");
    v.check(sim.value(kMovedRelay) == 0, "daemon/moved-relay-configured-line-off-after-kill9");
    sim.pull(kMovedRelay, false);
    if (sim.value(kRelay) == 1) {  // so that a failure here does not fail the next checks
        wait_exit(spawn_fabgate(options.fabgate_path, {"--relay-off", "--config", kConfig}, "a"),
                  20'000);
    }
}

void bad_config_restart(Verdicts& v, const Options& options, const SimChip& sim) {
    std::int64_t killed_at = 0;
    if (!kill_with_relay_on(v, options, sim, "daemon/bad-config", killed_at)) return;
    std::string text = config_text(sim.chip_name());
    const std::string policy = R"("takeover": "deny")";
    text.replace(text.find(policy), policy.size(), policy + R"(, "idle_timeout_s": "soon")");
    {
        std::ofstream bad(kBadConfig);
        bad << text;
    }
    v.check(sim.value(kRelay) == 1, "daemon/bad-config-relay-left-on-by-the-kill");
    const pid_t pid = spawn_fabgate(options.fabgate_path, {"--config", kBadConfig}, "w");
    const int code = wait_exit(pid, 30'000);
    v.check(code > 0 && code < 128, "daemon/bad-config-start-fails",
            "exit " + std::to_string(code));
    v.check(sim.value(kRelay) == 0, "daemon/bad-config-start-switches-relay-off");
    v.check(log_mentions("policy.idle_timeout_s"), "daemon/bad-config-field-named-in-log");
}

}  // namespace

void run_kill_checks(Verdicts& v, const Options& options, const SimChip& sim) {
    const int failed_before = v.failed();
    relay_off_after_kill(v, options, sim);
    relay_off_after_config_moved(v, options, sim);
    bad_config_restart(v, options, sim);
    if (v.failed() > failed_before) show_log_tail(v);
}

}  // namespace fabgate::hil

#endif

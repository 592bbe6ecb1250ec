// Stage c: the real fabgate binary, offline (no broker), on gpio-sim lines. The access list is
// seeded into its journal as a broker would have left it cached; badges come in as Wiegand
// frames and the relay is watched from outside, as a member and an electrician would see it.
#include "stages.hpp"

#ifndef FABGATE_HIL_HAVE_DAEMON

namespace fabgate::hil {
void run_daemon_stage(Verdicts& verdicts, const Options&) {
    verdicts.note("daemon stage not built: this build has no fabgate_app library");
}
}  // namespace fabgate::hil

#else

#include <fcntl.h>
#include <linux/gpio.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/access.hpp"
#include "core/messages.hpp"
#include "daemon_rig.hpp"
#include "gate/journal.hpp"
#include "latency.hpp"
#include "sim_chip.hpp"
#include "sys/system_clock.hpp"
#include "wiegand_driver.hpp"

namespace fabgate::hil {

std::string config_text(const std::string& chip, const char* relay_line) {
    auto line = [&](const char* name, const char* extra = "") {
        return std::string("{\"chip\": \"") + chip + "\", \"line\": \"" + name + "\"" + extra + "}";
    };
    // Port 1 on loopback: the broker is refused at once and the gate runs offline.
    return std::string(R"({"site": "hil", "machine": "sim-gate", "journal": ")") + kJournal +
           R"(", "insecure_unsigned_acl": true,)" +
           R"("broker": {"host": "127.0.0.1", "port": 1}, "hardware": {"kind": "gpio",)" +
           R"("reader": {"type": "wiegand", "repeat_suppress_ms": 0, "d0": )" +
           line("GPIO23", R"(, "bias": "pull_up", "debounce_ms": 0)") +
           ", \"d1\": " + line("GPIO24", R"(, "bias": "pull_up", "debounce_ms": 0)") + "}," +
           "\"outputs\": {\"relay\": " + line(relay_line) +
           "}, \"inputs\": {\"busy\": " + line("GPIO4", R"(, "debounce_ms": 5)") +
           ", \"interlocks\": [{\"name\": \"lid\", " + "\"chip\": \"" + chip +
           R"(", "line": "GPIO6", "debounce_ms": 5}]}},)" +
           R"("policy": {"session_end": "badge_again", "takeover": "deny"}})";
}

namespace {

Status seed_access_list() {
    SystemClock clock;
    AccessList list;
    list.site = "hil";
    list.machine = "sim-gate";
    list.version = 1;
    list.generated_at = clock.wall().unix_ms;
    AccessEntry member;
    member.member = "m-1";
    member.name = "HIL member";
    member.role = Role::User;
    auto uid = Uid::parse(wiegand26_uid(kMember));
    if (!uid) return tl::unexpected(uid.error());
    list.entries.emplace(*uid, member);
    auto journal = Journal::open(kJournal);
    if (!journal) return tl::unexpected(journal.error());
    return journal->store_access_list(list.version, encode(list));
}

}  // namespace

// Through the kernel's own line-info ioctl, not libgpiod: the check must not depend on which
// libgpiod API the daemon was built with.
bool lines_in_use(const std::string& chip_name, const std::vector<unsigned>& offsets) {
    const std::string path = "/dev/" + chip_name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool all = true;
    for (unsigned offset : offsets) {
        gpioline_info info{};
        info.line_offset = offset;
        all = all && ::ioctl(fd, GPIO_GET_LINEINFO_IOCTL, &info) == 0 &&
              (info.flags & GPIOLINE_FLAG_KERNEL) != 0;
    }
    ::close(fd);
    return all;
}

void pause_us(long us) {
    timespec t{us / 1'000'000, (us % 1'000'000) * 1000};
    nanosleep(&t, nullptr);
}

pid_t spawn_fabgate(const std::string& path, std::vector<std::string> args, const char* log_mode,
                    std::vector<std::string> env) {
    const pid_t pid = fork();
    if (pid == 0) {
        for (auto& entry : env) putenv(entry.data());
        std::FILE* log = std::freopen(kLog, log_mode, stderr);
        if (log) dup2(fileno(log), 1);
        std::vector<char*> argv{const_cast<char*>("fabgate")};
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        execv(path.c_str(), argv.data());
        _exit(127);
    }
    return pid;
}

bool wait_lines_claimed(const SimChip& sim, pid_t pid) {
    const std::int64_t started = now_us();
    while (now_us() - started < 30'000'000) {
        if (lines_in_use(sim.chip_name(), {kRelay, kD0, kD1})) return true;
        if (waitpid(pid, nullptr, WNOHANG) == pid) return false;
        pause_us(20'000);
    }
    return false;
}

// Microseconds until the relay line shows `level`; -1 after the timeout.
std::int64_t wait_relay(const SimChip& sim, int level, std::int64_t since, int timeout_ms) {
    while (now_us() - since < std::int64_t{timeout_ms} * 1000) {
        if (sim.value(kRelay) == level) return now_us() - since;
        pause_us(100);
    }
    return sim.value(kRelay) == level ? now_us() - since : -1;
}

// -1 also when the relay already showed `expect_level`: no change, nothing was proven.
std::int64_t badge(const SimChip& sim, std::uint32_t number, int expect_level, int timeout_ms) {
    if (sim.value(kRelay) == expect_level) return -1;
    wiegand_send(sim, kD0, kD1, wiegand26(number));
    return wait_relay(sim, expect_level, now_us(), timeout_ms);
}

// A member whose badge did nothing badges again. Under emulation on a loaded host gpio-sim
// now and then loses an edge, and the gate rightly drops that frame (wrong length); the checks
// are about what the gate decides, so a lost frame is retried (and said) up to twice.
std::int64_t badge_again_if_lost(Verdicts& v, const SimChip& sim, std::uint32_t number,
                                 int expect_level, int timeout_ms) {
    for (int attempt = 1;; ++attempt) {
        std::int64_t us = badge(sim, number, expect_level, timeout_ms);
        if (us >= 0 || attempt == 3 || sim.value(kRelay) == expect_level) return us;
        v.note("a frame did nothing (lost under emulation?): badging again");
    }
}

namespace {

std::string status_line(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line, out;
    while (std::getline(status, line))
        if (line.rfind("VmHWM", 0) == 0 || line.rfind("VmRSS", 0) == 0) out += line + " ";
    return out;
}

}  // namespace

void show_log_tail(Verdicts& v) {
    std::ifstream log(kLog);
    std::vector<std::string> lines;
    for (std::string line; std::getline(log, line);) lines.push_back(line);
    for (std::size_t i = lines.size() > 40 ? lines.size() - 40 : 0; i < lines.size(); ++i)
        v.note("fabgate log: " + lines[i]);
}

namespace {

// The daemon's log without the lines every good badge writes: what is left says why a badge
// did nothing (a dropped frame, a refusal, a fault).
void show_unusual_log_lines(Verdicts& v) {
    static const char* const routine[] = {": granted (", ": badge out", " started for ",
                                          "gate: state ", "): badge_out, powered"};
    std::ifstream log(kLog);
    int shown = 0;
    for (std::string line; std::getline(log, line) && shown < 40;) {
        bool usual = false;
        for (const char* r : routine) usual = usual || line.find(r) != std::string::npos;
        if (!usual) {
            v.note("fabgate log: " + line);
            ++shown;
        }
    }
}

}  // namespace

void run_daemon_stage(Verdicts& v, const Options& options) {
    if (options.fabgate_path.empty()) {
        v.note("daemon stage skipped: no fabgate binary in the image");
        return;
    }
    std::string error;
    auto sim = SimChip::create("daemon", 8,
                               {{kRelay, "GPIO17"},
                                {kBusy, "GPIO4"},
                                {kLid, "GPIO6"},
                                {kD0, "GPIO23"},
                                {kD1, "GPIO24"},
                                {kMovedRelay, "GPIO27"}},
                               error);
    if (!v.check(sim != nullptr, "daemon/sim-chip-created", error)) return;
    sim->pull(kBusy, false);
    sim->pull(kLid, false);
    wiegand_idle(*sim, kD0, kD1);
    {
        std::ofstream config(kConfig);
        config << config_text(sim->chip_name());
    }
    auto seeded = seed_access_list();
    if (!v.check(seeded.has_value(), "daemon/access-list-seeded",
                 seeded ? "" : seeded.error().message()))
        return;

    const std::int64_t started = now_us();
    const pid_t pid = spawn_fabgate(options.fabgate_path, {"--config", kConfig, "-v"}, "w");
    bool ready = wait_lines_claimed(*sim, pid);
    if (!v.check(ready, "daemon/starts-and-claims-lines")) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        show_log_tail(v);
        return;
    }
    v.bench("daemon start to lines claimed: " + std::to_string((now_us() - started) / 1000) +
            " ms");
    pause_us(300'000);  // the factory's held-back events go out on the loop's first round
    v.check(sim->value(kRelay) == 0, "daemon/relay-off-at-start");

    int sessions = 0;
    const std::int64_t on_us = badge_again_if_lost(v, *sim, kMember, 1, 5000);
    if (v.check(on_us >= 0, "daemon/member-badge-in-relay-on")) ++sessions;
    const std::int64_t off_us = badge_again_if_lost(v, *sim, kMember, 0, 5000);
    v.check(off_us >= 0, "daemon/member-badge-out-relay-off");
    badge(*sim, kStranger, 1, 1500);
    v.check(sim->value(kRelay) == 0, "daemon/unknown-badge-relay-stays-off");

    // Lid open while in use: the interlock cuts power.
    const bool in_for_lid = badge_again_if_lost(v, *sim, kMember, 1, 5000) >= 0;
    if (in_for_lid) ++sessions;
    sim->pull(kLid, true);
    v.check(in_for_lid && wait_relay(*sim, 0, now_us(), 3000) >= 0,
            "daemon/interlock-open-cuts-relay", in_for_lid ? "" : "badge-in failed first");
    sim->pull(kLid, false);
    pause_us(200'000);
    if (sim->value(kRelay) == 1) badge_again_if_lost(v, *sim, kMember, 0, 5000);

    std::vector<std::int64_t> samples;
    int lost = 0;
    for (int i = 0; i < options.badges / 2 && lost < 6; ++i) {
        std::int64_t in = badge(*sim, kMember, 1, 3000);
        if (in >= 0) {
            ++sessions;
            samples.push_back(in);
        } else {
            ++lost;
        }
        std::int64_t out = badge(*sim, kMember, 0, 3000);
        if (out >= 0)
            samples.push_back(out);
        else
            ++lost;
    }
    v.bench(
        "daemon badge-to-relay (last Wiegand pulse -> relay line seen outside, includes "
        "the 25 ms end-of-frame gap): " +
        latency_summary(samples) + " lost=" + std::to_string(lost));
    v.bench("daemon memory after " + std::to_string(samples.size()) +
            " badges: " + status_line(pid));
    v.bench("daemon: " + std::to_string(lost) +
            " bench badges without a relay change (frames lost under emulation)");
    if (lost > 0) show_unusual_log_lines(v);

    if (badge_again_if_lost(v, *sim, kMember, 1, 5000) >= 0) ++sessions;
    kill(pid, SIGTERM);
    int status = 0;
    const std::int64_t term = now_us();
    while (waitpid(pid, &status, WNOHANG) == 0 && now_us() - term < 10'000'000) pause_us(10'000);
    if (now_us() - term >= 10'000'000) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    v.check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "daemon/sigterm-exits-cleanly");
    v.check(sim->value(kRelay) == 0, "daemon/relay-off-after-sigterm");

    auto journal = Journal::open(kJournal);
    auto pending = journal ? journal->outbox_size() : Result<std::int64_t>(fail("journal", "open"));
    v.check(pending && *pending == sessions, "daemon/every-session-journaled-offline",
            pending
                ? std::to_string(*pending) + " in outbox, " + std::to_string(sessions) + " sessions"
                : pending.error().message());
    if (v.failed()) show_log_tail(v);
    run_kill_checks(v, options, *sim);
}

}  // namespace fabgate::hil

#endif

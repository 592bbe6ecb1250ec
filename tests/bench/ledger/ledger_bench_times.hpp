#pragma once
// Where a process's wall time went during a bench phase, from /proc: on a core (user and system
// CPU), runnable but waiting for a core (the scheduler's run queue), or asleep (waiting for
// input, a timer or the disk). On a shared machine the run-queue wait tells a process that was
// starved of CPU from one that had nothing to do.
#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "ledger_harness.hpp"

namespace fabgate::ledger_test {

struct ProcessTimes {
    std::int64_t user_ms = 0;
    std::int64_t system_ms = 0;
    std::int64_t run_queue_ms = 0;  // runnable, waiting for a core (schedstat)

    std::int64_t cpu_ms() const { return user_ms + system_ms; }
    ProcessTimes operator-(const ProcessTimes& before) const {
        return {user_ms - before.user_ms, system_ms - before.system_ms,
                run_queue_ms - before.run_queue_ms};
    }
};

// The process's times so far (its main thread's run-queue wait: the programs here have one).
inline ProcessTimes process_times(pid_t pid) {
    ProcessTimes t;
    std::istringstream stat(read_file("/proc/" + std::to_string(pid) + "/stat"));
    std::string field;
    // utime and stime are fields 14 and 15; the command (field 2) has no spaces here.
    for (int n = 1; n <= 15 && stat >> field; ++n) {
        if (n == 14) t.user_ms = std::atoll(field.c_str()) * 1000 / sysconf(_SC_CLK_TCK);
        if (n == 15) t.system_ms = std::atoll(field.c_str()) * 1000 / sysconf(_SC_CLK_TCK);
    }
    // schedstat: ns on a core, ns waiting on a run queue, time slices.
    std::istringstream sched(read_file("/proc/" + std::to_string(pid) + "/schedstat"));
    long long on_core_ns = 0, waiting_ns = 0;
    if (sched >> on_core_ns >> waiting_ns) t.run_queue_ms = waiting_ns / 1'000'000;
    return t;
}

// The first child of this process running `command` (the broker the harness started), or -1.
inline pid_t child_named(const std::string& command) {
    DIR* proc = opendir("/proc");
    if (!proc) return -1;
    pid_t found = -1;
    while (auto* entry = readdir(proc)) {
        pid_t pid = std::atoi(entry->d_name);
        if (pid <= 0) continue;
        std::istringstream stat(read_file("/proc/" + std::to_string(pid) + "/stat"));
        std::string id, comm, state;
        pid_t parent = 0;
        if (stat >> id >> comm >> state >> parent && parent == getpid() &&
            comm == "(" + command + ")") {
            found = pid;
            break;
        }
    }
    closedir(proc);
    return found;
}

inline std::string load_average() {
    auto text = read_file("/proc/loadavg");
    return text.substr(0, text.find(' '));
}

// "1234 ms CPU (user 900, system 334), 2000 ms runnable waiting for a core": one process's
// share of a phase of `wall_ms`.
inline std::string describe(const ProcessTimes& t, std::int64_t wall_ms) {
    auto pct = [&](std::int64_t ms) {
        return std::to_string(ms * 100 / std::max<std::int64_t>(wall_ms, 1));
    };
    return std::to_string(t.cpu_ms()) + " ms CPU (" + pct(t.cpu_ms()) + "% of the phase; user " +
           std::to_string(t.user_ms) + ", system " + std::to_string(t.system_ms) + "), " +
           std::to_string(t.run_queue_ms) + " ms runnable waiting for a core (" +
           pct(t.run_queue_ms) + "%)";
}

}  // namespace fabgate::ledger_test

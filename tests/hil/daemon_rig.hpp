#pragma once
// What the daemon stages share: the simulated gate's lines and files, starting fabgate in the
// guest, badging, and watching the relay line from outside.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim_chip.hpp"
#include "stages.hpp"
#include "verdicts.hpp"

namespace fabgate::hil {

inline constexpr unsigned kRelay = 0, kBusy = 1, kLid = 2, kD0 = 3, kD1 = 4;
// Where an admin moves the relay in the config while a daemon runs (stage_daemon_kill.cpp).
inline constexpr unsigned kMovedRelay = 5;
inline constexpr std::uint32_t kMember = 0x2A1234, kStranger = 0x0BADBD;
inline const char* const kJournal = "/tmp/hil-journal.db";
inline const char* const kConfig = "/tmp/hil-gate.json";
inline const char* const kLog = "/tmp/fabgate.log";

// The gate config on `chip`: offline (broker refused at once), Wiegand reader, relay on
// `relay_line`.
std::string config_text(const std::string& chip, const char* relay_line = "GPIO17");
// Through the kernel's line-info ioctl: are these lines requested by someone?
bool lines_in_use(const std::string& chip_name, const std::vector<unsigned>& offsets);
void pause_us(long us);
// fabgate with `args`, stdout and stderr to kLog opened with `log_mode` ("w" or "a"), and
// `env` ("NAME=value") added to this program's environment.
pid_t spawn_fabgate(const std::string& path, std::vector<std::string> args, const char* log_mode,
                    std::vector<std::string> env = {});
// Until the daemon holds relay, D0 and D1 (true), exits or 30 s pass (false).
bool wait_lines_claimed(const SimChip& sim, pid_t pid);
// Microseconds until the relay line shows `level`; -1 after the timeout.
std::int64_t wait_relay(const SimChip& sim, int level, std::int64_t since, int timeout_ms);
// A badge sent again (said in a note) when its frame was lost under emulation; -1 if the relay
// never showed `expect_level`.
std::int64_t badge_again_if_lost(Verdicts& v, const SimChip& sim, std::uint32_t number,
                                 int expect_level, int timeout_ms);
void show_log_tail(Verdicts& v);

// Stage c, second part: kill -9 with the relay on, then what systemd's ExecStopPost runs, and a
// restart onto a config that does not validate.
void run_kill_checks(Verdicts& v, const Options& options, const SimChip& sim);

}  // namespace fabgate::hil

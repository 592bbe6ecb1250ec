#pragma once
#include <string>

#include "verdicts.hpp"

namespace fabgate::hil {

struct Options {
    int badges = 300;          // latency benchmark size
    std::string fabgate_path;  // empty: the daemon is not in this image
};

// a: libgpiod itself against gpio-sim, proving the simulator behaves like a wired chip.
void run_raw_stage(Verdicts& verdicts);
// b: hw/gpio's adapter (relay, inputs, Wiegand) against the simulator.
void run_adapter_stage(Verdicts& verdicts, const Options& options);
// c: the real fabgate daemon, offline, driven by a Wiegand badge.
void run_daemon_stage(Verdicts& verdicts, const Options& options);

}  // namespace fabgate::hil

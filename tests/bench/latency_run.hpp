#pragma once
// journal_stall_bench's "latency" mode: badge -> relay on and interlock -> relay off, timed from
// the moment another thread hands the event to the loop, while the journal commits and syncs.
#include <string>

namespace fabgate::bench {

void latency_run(int cycles, const std::string& dir);

}  // namespace fabgate::bench

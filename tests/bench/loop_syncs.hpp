#pragma once
// Counts the disk syncs SQLite (or anything else in the process) makes on one thread, the
// gate's loop, and how long each held it. Works by defining fdatasync() and fsync() in the
// benchmark: libsqlite3's calls resolve to these first, which time the system call.
#include <cstdint>

namespace fabgate::bench {

struct LoopSyncs {
    std::uint64_t count = 0;
    double total_ms = 0;
    double max_ms = 0;
};

// From now on, syncs made on the calling thread are counted.
void count_syncs_on_this_thread();
LoopSyncs loop_syncs();

}  // namespace fabgate::bench

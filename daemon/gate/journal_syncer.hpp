#pragma once
// The port through which the gate makes its journal durable without waiting for the disk.
// The journal commits on the loop into the page cache only (SQLite WAL, synchronous=NORMAL):
// that survives a crash of the daemon, not a power cut. A syncer then flushes the WAL to the
// disk somewhere the loop does not wait, and says on the loop how far it got. Commits are
// numbered by Journal::commits(); WAL frames reach the disk in order, so "durable through n"
// means every commit up to n survives a power cut.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "loop/event_loop.hpp"

namespace fabgate {

class JournalSyncer {
  public:
    using Durable = std::function<void(std::uint64_t through)>;
    virtual ~JournalSyncer() = default;
    // Commits up to `through` are written: make them durable, then report it through the
    // callback, on the loop and never inside this call. Requests may be coalesced.
    virtual void sync_through(std::uint64_t through) = 0;
    virtual void on_durable(Durable durable) = 0;
    // Stops once what was asked for is synced (or the disk refused it) and returns how far
    // commits are on disk. No callback follows: the loop is not expected to turn again.
    virtual std::uint64_t finish() = 0;
};

// Makes the syncer for the journal at `journal_path`; tests inject one that holds the sync.
using JournalSyncerFactory = std::function<Result<std::unique_ptr<JournalSyncer>>(
    EventLoop& loop, const std::string& journal_path)>;

}  // namespace fabgate

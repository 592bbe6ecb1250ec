#pragma once
// A gate journal with its sync thread checkpointing past 64 KiB, and sessions large enough to
// pass that quickly: the setup the checkpoint tests share.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "gate/journal.hpp"
#include "gate/wal_sync_thread.hpp"
#include "loop/event_loop.hpp"
#include "test_support.hpp"

namespace fabgate::test {

struct CheckpointedJournal {
    TempDir dir;
    std::string path = dir.file("journal.db");
    Result<Journal> journal = Journal::open(path);
    EventLoop loop;
    Result<std::unique_ptr<WalSyncThread>> syncer;
    std::uint64_t durable = 0;  // how far the sync thread reports the journal on disk

    CheckpointedJournal() {
        REQUIRE(journal);
        WalSyncOptions options;
        options.checkpoint_bytes = 64 << 10;
        syncer = WalSyncThread::start(loop, path, options);
        REQUIRE(syncer);
        (*syncer)->on_durable([this](std::uint64_t through) { durable = through; });
    }

    // Opens sessions s<from> .. s<from + count - 1>, about 2 KiB each.
    void write_sessions(int count, int from) {
        SessionRecord session;
        session.site = "lab";
        session.machine = "laser-1";
        session.member = std::string(2000, 'm');
        for (int i = from; i < from + count; ++i) {
            session.id = "s" + std::to_string(i);
            REQUIRE(journal->session_opened(session));
        }
    }

    // Asks the sync thread for everything committed so far and waits until it is on disk.
    void sync_all() {
        (*syncer)->sync_through(journal->commits());
        REQUIRE(wait_until(
            loop, [&] { return durable == journal->commits(); }, std::chrono::seconds(5)));
    }
};

}  // namespace fabgate::test

#pragma once
// The production JournalSyncer: one thread that fdatasync()s the journal's WAL file through
// its own descriptor and reports through an eventfd the loop watches (the pattern of
// sys/name_lookup). The same thread checkpoints the WAL into the database file once it grows
// past a size, through a SQLite connection of its own, so the checkpoint's two fsyncs never
// run on the loop either.
//
// After a checkpoint that copied the whole WAL, the same thread makes the first write, which
// starts the WAL over and syncs its new header: left to the loop's next commit, that sync
// would hold the loop. It does so only if the write lock is free at once; a loop commit that
// meets it waits one sync, once per `checkpoint_bytes` of writes (4 MiB by default). The
// journal's close at shutdown syncs nothing (it keeps the WAL); this thread's last sync,
// joined by the destructor, covers it.
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gate/journal_syncer.hpp"
#include "loop/unique_fd.hpp"

namespace fabgate {

// fdatasync(2), replaceable so tests can hold a sync for as long as they like.
using SyncFile = std::function<int(int fd)>;

struct WalSyncOptions {
    SyncFile sync_file;  // empty: ::fdatasync
    off_t checkpoint_bytes = 4 << 20;
};

class WalSyncThread final : public JournalSyncer {
  public:
    static Result<std::unique_ptr<WalSyncThread>> start(EventLoop& loop,
                                                        const std::string& journal_path,
                                                        WalSyncOptions options = {});
    // Both sync what was asked for, then stop the thread: a session closed at shutdown is on
    // disk when the daemon exits.
    ~WalSyncThread() override;
    std::uint64_t finish() override;
    WalSyncThread(const WalSyncThread&) = delete;
    WalSyncThread& operator=(const WalSyncThread&) = delete;

    void sync_through(std::uint64_t through) override;
    void on_durable(Durable durable) override { durable_ = std::move(durable); }

  private:
    WalSyncThread(EventLoop& loop, std::string journal_path, WalSyncOptions options);
    void run();
    bool sync_wal();
    void checkpoint_if_large();
    void on_ready();

    EventLoop& loop_;
    std::string journal_path_;
    WalSyncOptions options_;
    Durable durable_;
    UniqueFd event_fd_;

    // Shared with the thread, under mutex_.
    std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t requested_ = 0;
    std::uint64_t synced_ = 0;
    bool stopping_ = false;

    // The thread's own.
    UniqueFd wal_fd_;
    bool directory_synced_ = false;
    struct Checkpointer;
    std::unique_ptr<Checkpointer> checkpointer_;

    std::thread thread_;
};

}  // namespace fabgate

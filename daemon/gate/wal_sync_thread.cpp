#include "gate/wal_sync_thread.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace fabgate {

struct WalSyncThread::Checkpointer {
    sqlite3* db = nullptr;
    ~Checkpointer() { sqlite3_close_v2(db); }

    bool exec(const char* sql) {
        return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    }

    // The first write after a checkpoint that copied the whole WAL starts the WAL over and
    // syncs its new header (SQLite's guard against an out-of-order write after a power cut).
    // Left to the loop, that sync would hold its next commit; written here, it holds this
    // thread. Only if the write lock is free at once: the loop commits rarely, and a commit
    // that meets this transaction waits for it (one sync) rather than failing.
    void restart_wal() {
        sqlite3_busy_timeout(db, 0);
        if (exec("BEGIN IMMEDIATE")) {
            // A write that changes nothing: page 1, with the schema version it already has.
            sqlite3_stmt* read = nullptr;
            bool written = false;
            if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &read, nullptr) == SQLITE_OK &&
                sqlite3_step(read) == SQLITE_ROW) {
                auto same = "PRAGMA user_version=" + std::to_string(sqlite3_column_int(read, 0));
                sqlite3_finalize(read);
                read = nullptr;
                written = exec(same.c_str());
            }
            sqlite3_finalize(read);
            if (!written || !exec("COMMIT")) (void)exec("ROLLBACK");
        }
        sqlite3_busy_timeout(db, 1000);
    }
};

Result<std::unique_ptr<WalSyncThread>> WalSyncThread::start(EventLoop& loop,
                                                            const std::string& journal_path,
                                                            WalSyncOptions options) {
    std::unique_ptr<WalSyncThread> syncer(
        new WalSyncThread(loop, journal_path, std::move(options)));
    syncer->event_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!syncer->event_fd_) return fail("journal sync", "cannot create an eventfd");
    auto* raw = syncer.get();
    TRY(loop.watch(raw->event_fd_.get(), EPOLLIN, [raw](std::uint32_t) { raw->on_ready(); }));
    try {
        raw->thread_ = std::thread([raw] { raw->run(); });
    } catch (const std::system_error& e) {
        loop.unwatch(raw->event_fd_.get());
        return fail("journal sync", std::string("cannot start the sync thread: ") + e.what());
    }
    return syncer;
}

WalSyncThread::WalSyncThread(EventLoop& loop, std::string journal_path, WalSyncOptions options)
    : loop_(loop), journal_path_(std::move(journal_path)), options_(std::move(options)) {
    if (!options_.sync_file) options_.sync_file = [](int fd) { return ::fdatasync(fd); };
}

WalSyncThread::~WalSyncThread() {
    finish();
}

std::uint64_t WalSyncThread::finish() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (event_fd_) {
        loop_.unwatch(event_fd_.get());
        event_fd_.reset();
    }
    return synced_;  // the thread is gone: nothing writes it any more
}

void WalSyncThread::sync_through(std::uint64_t through) {
    {
        std::lock_guard lock(mutex_);
        if (through <= requested_) return;
        requested_ = through;
    }
    wake_.notify_one();
}

void WalSyncThread::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return stopping_ || requested_ > synced_; });
        if (requested_ <= synced_) break;  // stopping with nothing left to sync
        auto target = requested_;
        lock.unlock();
        bool synced = sync_wal();
        lock.lock();
        if (!synced) {
            // The disk refuses (EIO, a card pulled): try again; the gate faults the machine if
            // this lasts (GateTuning::sync_deadline). At shutdown there is nobody to wait for.
            if (stopping_) break;
            wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
            continue;
        }
        synced_ = target;
        std::uint64_t one = 1;
        (void)!::write(event_fd_.get(), &one, sizeof one);
        lock.unlock();
        checkpoint_if_large();
        lock.lock();
    }
    lock.unlock();
    checkpointer_.reset();
}

bool WalSyncThread::sync_wal() {
    if (!wal_fd_) {
        wal_fd_.reset(::open((journal_path_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC));
        if (!wal_fd_) return false;
    }
    if (!directory_synced_) {
        // Once: a new journal's files and their names, which SQLite in NORMAL mode never
        // syncs. A database file lost to a power cut would make SQLite discard the WAL too.
        auto directory = std::filesystem::path(journal_path_).parent_path();
        UniqueFd dir(::open(directory.empty() ? "." : directory.c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        UniqueFd database(::open(journal_path_.c_str(), O_RDONLY | O_CLOEXEC));
        if (!dir || !database || ::fdatasync(database.get()) != 0 || ::fsync(dir.get()) != 0)
            return false;
        directory_synced_ = true;
    }
    return options_.sync_file(wal_fd_.get()) == 0;
}

void WalSyncThread::checkpoint_if_large() {
    struct stat st {};
    if (::fstat(wal_fd_.get(), &st) != 0 || st.st_size < options_.checkpoint_bytes) return;
    if (!checkpointer_) {
        auto made = std::make_unique<Checkpointer>();
        if (sqlite3_open_v2(journal_path_.c_str(), &made->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
            return;  // tried again after the next sync
        sqlite3_busy_timeout(made->db, 1000);
        // A connection that has read nothing does not know the database is in WAL mode, and
        // checkpoints nothing (reporting -1 frames): the WAL would grow without end.
        // NORMAL: the restart's commit syncs the WAL header and nothing more.
        if (!made->exec("SELECT count(*) FROM sqlite_master") ||
            !made->exec("PRAGMA synchronous=NORMAL"))
            return;
        checkpointer_ = std::move(made);
    }
    // PASSIVE: never takes the write lock, so the loop's commits go on meanwhile. This
    // connection syncs the WAL before copying it and the database file after.
    int frames = 0, copied = 0;
    if (sqlite3_wal_checkpoint_v2(checkpointer_->db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames,
                                  &copied) == SQLITE_OK &&
        frames > 0 && copied == frames)
        checkpointer_->restart_wal();
}

void WalSyncThread::on_ready() {
    std::uint64_t count = 0;
    (void)!::read(event_fd_.get(), &count, sizeof count);
    std::uint64_t through = 0;
    {
        std::lock_guard lock(mutex_);
        through = synced_;
    }
    if (durable_) durable_(through);
}

}  // namespace fabgate

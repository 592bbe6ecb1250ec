// After a checkpoint has copied the whole WAL, the first write starts the WAL over and SQLite
// syncs its new header. The sync thread makes that write, so the loop's next commit does not
// wait for a disk. Its own executable: it counts the syncs made on this thread by defining
// fdatasync() and fsync() (tests/bench/loop_syncs.cpp).
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "gate/journal.hpp"
#include "gate/wal_sync_thread.hpp"
#include "loop_syncs.hpp"
#include "sys/log.hpp"
#include "test_support.hpp"

using namespace fabgate;
using namespace std::chrono_literals;

namespace {

// The WAL header's checkpoint sequence number (bytes 12-15): it changes when the WAL starts over.
std::string wal_generation(const std::string& journal) {
    std::ifstream wal(journal + "-wal", std::ios::binary);
    char header[16] = {};
    wal.read(header, sizeof header);
    return std::string(header + 12, 4);
}

void write_sessions(Journal& journal, int count, int from) {
    SessionRecord session;
    session.site = "lab";
    session.machine = "laser-1";
    session.member = std::string(2000, 'm');
    for (int i = from; i < from + count; ++i) {
        session.id = "s" + std::to_string(i);
        REQUIRE(journal.session_opened(session));
    }
}

}  // namespace

TEST_CASE("after a checkpoint, the gate's next commit does not wait for the WAL header's sync") {
    log::set_threshold(log::Level::Error);
    test::TempDir dir;
    auto path = dir.file("journal.db");
    auto journal = Journal::open(path);
    REQUIRE(journal);
    EventLoop loop;
    WalSyncOptions options;
    options.checkpoint_bytes = 64 << 10;
    auto syncer = WalSyncThread::start(loop, path, options);
    REQUIRE(syncer);
    std::uint64_t durable = 0;
    (*syncer)->on_durable([&](std::uint64_t through) { durable = through; });

    write_sessions(*journal, 100, 0);
    auto first_generation = wal_generation(path);
    (*syncer)->sync_through(journal->commits());
    REQUIRE(test::wait_until(
        loop, [&] { return durable == journal->commits(); }, 5s));
    // The sync thread checkpoints, then starts the WAL over itself.
    REQUIRE(test::wait_until(
        loop, [&] { return wal_generation(path) != first_generation; }, 5s));

    bench::count_syncs_on_this_thread();
    write_sessions(*journal, 10, 100);
    CHECK(bench::loop_syncs().count == 0);
    // And the WAL is reused from its start, not grown.
    auto wal_bytes = std::filesystem::file_size(path + "-wal");
    write_sessions(*journal, 50, 110);
    CHECK(std::filesystem::file_size(path + "-wal") == wal_bytes);
}

// After a checkpoint has copied the whole WAL, the first write starts the WAL over and SQLite
// syncs its new header. The sync thread makes that write, so the loop's next commit does not
// wait for a disk. Its own executable: it counts the syncs made on this thread by defining
// fdatasync() and fsync() (tests/bench/loop_syncs.cpp).
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "checkpointed_journal.hpp"
#include "loop_syncs.hpp"
#include "sys/log.hpp"

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

}  // namespace

TEST_CASE("after a checkpoint, the gate's next commit does not wait for the WAL header's sync") {
    log::set_threshold(log::Level::Error);
    test::CheckpointedJournal j;
    j.write_sessions(100, 0);
    auto first_generation = wal_generation(j.path);
    j.sync_all();
    // The sync thread checkpoints, then starts the WAL over itself.
    REQUIRE(test::wait_until(
        j.loop, [&] { return wal_generation(j.path) != first_generation; }, 5s));

    bench::count_syncs_on_this_thread();
    j.write_sessions(10, 100);
    CHECK(bench::loop_syncs().count == 0);
    // And the WAL is reused from its start, not grown.
    auto wal_bytes = std::filesystem::file_size(j.path + "-wal");
    j.write_sessions(50, 110);
    CHECK(std::filesystem::file_size(j.path + "-wal") == wal_bytes);
}

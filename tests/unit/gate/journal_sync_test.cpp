// The journal's disk syncs run off the gate's loop: a slow or stuck disk never holds back a
// badge or an interlock, what must wait for the disk waits, and a power cut before a sync
// loses no closed session.
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <utility>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "checkpointed_journal.hpp"
#include "gate/acl_high_water.hpp"
#include "gate/wal_sync_thread.hpp"
#include "sys/log.hpp"
#include "test_support.hpp"

using namespace fabgate;
using namespace std::chrono_literals;
using fabgate::test::AppRig;

namespace {

// fdatasync as a disk that takes as long as the test wants. If it is entered on the thread
// that must release it (the loop), it gives up after a while instead of hanging the test, and
// says so.
class HeldDisk {
  public:
    int sync(int fd) {
        std::unique_lock lock(mutex_);
        ++entered_;
        changed_.notify_all();
        if (!changed_.wait_for(lock, 3s, [&] { return released_; })) gave_up_ = true;
        return ::fdatasync(fd);
    }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }
    bool wait_entered(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return entered_ > 0; });
    }
    bool gave_up() {
        std::lock_guard lock(mutex_);
        return gave_up_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int entered_ = 0;
    bool released_ = false;
    bool gave_up_ = false;
};

// A syncer the test completes by hand, on the loop. complete() also copies the journal's
// files aside: that copy is what the disk holds, and what a power cut leaves.
class ManualSyncer final : public JournalSyncer {
  public:
    explicit ManualSyncer(std::string path) : path_(std::move(path)) {}
    void sync_through(std::uint64_t through) override {
        requested_ = through;
        // The sync thread runs between two commits of one event's handling.
        if (std::exchange(copy_at_next_request, false)) copy_to_disk();
    }
    void on_durable(Durable durable) override { durable_ = std::move(durable); }
    void complete() {
        copy_to_disk();
        completed_ = requested_;
        if (durable_) durable_(requested_);
    }
    // The disk has only the commits through `through` (WAL frames reach it in order).
    void complete_through(std::uint64_t through) {
        completed_ = through;
        if (durable_) durable_(through);
    }
    std::uint64_t requested() const { return requested_; }
    // At shutdown the disk still holds what was not completed, unless sync_at_finish.
    std::uint64_t finish() override {
        if (sync_at_finish) {
            copy_to_disk();
            completed_ = requested_;
        }
        return completed_;
    }
    bool copy_at_next_request = false;
    bool sync_at_finish = false;

  private:
    void copy_to_disk() {
        for (const char* suffix : {"", "-wal"})
            std::filesystem::copy_file(path_ + suffix, path_ + ".disk" + suffix,
                                       std::filesystem::copy_options::overwrite_existing);
    }

    std::string path_;
    std::uint64_t requested_ = 0;
    std::uint64_t completed_ = 0;
    Durable durable_;
};

// The power cut: the journal at `path` goes back to what the last complete() saw.
void power_cut(const std::string& path) {
    std::filesystem::remove(path + "-shm");
    for (const char* suffix : {"", "-wal"})
        std::filesystem::copy_file(path + ".disk" + suffix, path + suffix,
                                   std::filesystem::copy_options::overwrite_existing);
}

GateTuning with_manual_syncer(ManualSyncer*& syncer) {
    GateTuning tuning;
    tuning.syncer = [&syncer](EventLoop&, const std::string& path) {
        auto made = std::make_unique<ManualSyncer>(path);
        syncer = made.get();
        return Result<std::unique_ptr<JournalSyncer>>(std::move(made));
    };
    return tuning;
}

void start_rig(AppRig& rig, GateTuning tuning) {
    rig.write_config(R"({"interlocks": [{"name": "lid", "line": 1}]})", "{}");
    rig.seed_access_list();
    rig.start(std::move(tuning));
}

// A gate whose disk syncs only when the test says, on a broker.
struct SyncedByHandOnBroker {
    test::TestBroker broker;
    ManualSyncer* syncer = nullptr;
    AppRig rig;
    SyncedByHandOnBroker() {
        log::set_threshold(log::Level::Error);
        rig.broker_port = broker.port();
    }
};

// The ledger sends version 4 of the list in force, which adds Bob, and the gate takes it.
void take_list_with_bob(AppRig& rig, test::LedgerSide& ledger) {
    AccessList newer = *rig.gate->machine().access_list();
    newer.version = 4;
    newer.generated_at = rig.clock.wall().unix_ms;
    newer.entries[Uid::parse("B2").value()] = AccessEntry{"bob", "Bob", false, {}, Role::User, {}};
    REQUIRE(ledger.send("acl", encode(newer)));
    REQUIRE(test::pump_until(rig, ledger,
                             [&] { return rig.gate->machine().access_list()->version == 4; }));
}

}  // namespace

TEST_CASE("while the disk holds a sync, badges and the interlock are handled at once") {
    log::set_threshold(log::Level::Error);
    HeldDisk disk;
    GateTuning tuning;
    tuning.syncer = [&disk](EventLoop& loop, const std::string& path) {
        WalSyncOptions options;
        options.sync_file = [&disk](int fd) { return disk.sync(fd); };
        auto made = WalSyncThread::start(loop, path, options);
        if (!made) return Result<std::unique_ptr<JournalSyncer>>(tl::unexpected(made.error()));
        return Result<std::unique_ptr<JournalSyncer>>(std::move(*made));
    };
    AppRig rig;
    start_rig(rig, tuning);
    REQUIRE(disk.wait_entered(2s));  // the start-up sync is now stuck in the disk

    rig.badge();
    CHECK(rig.outputs->relay);
    rig.loop.run_once(0);
    rig.badge();  // badge out: the session is closed into the journal
    CHECK_FALSE(rig.outputs->relay);
    rig.badge();
    CHECK(rig.outputs->relay);
    rig.gate->input_changed(InputKind::Interlock, "lid", true);
    CHECK_FALSE(rig.outputs->relay);
    CHECK(rig.gate->machine().status().state == MachineState::Fault);
    // None of that waited for the disk: the sync is still held.
    CHECK_FALSE(disk.gave_up());

    disk.release();
    rig.gate.reset();  // the sync thread finishes what it was asked, then stops
    CHECK_FALSE(disk.gave_up());
}

TEST_CASE_FIXTURE(SyncedByHandOnBroker,
                  "a closed session goes to the ledger only once it is on disk") {
    start_rig(rig, with_manual_syncer(syncer));
    REQUIRE(syncer);
    syncer->complete();  // the start-up state
    test::TestClient ledger(broker.port(), "ledger");
    ledger.subscribe("fabgate/lab/machines/laser-1/sessions");
    REQUIRE(ledger.connect());
    ledger.pump(200ms);  // its subscription is in place
    REQUIRE(test::wait_until(
        rig.loop, [&] { return rig.gate->broker_connected(); }, 5s));

    rig.badge();
    rig.advance_s(90);
    rig.badge();  // closed, in the page cache only
    REQUIRE_FALSE(rig.outputs->relay);
    for (int i = 0; i < 10; ++i) rig.loop.run_once(20);
    ledger.pump(200ms);
    CHECK(ledger.on("fabgate/lab/machines/laser-1/sessions").empty());

    syncer->complete();
    REQUIRE(test::wait_until(
        rig.loop,
        [&] {
            ledger.pump(10ms);
            return !ledger.on("fabgate/lab/machines/laser-1/sessions").empty();
        },
        5s));
    auto sent = decode_session(ledger.on("fabgate/lab/machines/laser-1/sessions").front().payload);
    REQUIRE(sent);
    CHECK(sent->end_reason == EndReason::BadgeOut);
    CHECK(sent->powered_ms == 90'000);
}

TEST_CASE("a disk that does not sync in time faults the machine until it does") {
    log::set_threshold(log::Level::Error);
    ManualSyncer* syncer = nullptr;
    AppRig rig;
    auto tuning = with_manual_syncer(syncer);
    tuning.sync_deadline = 50ms;
    start_rig(rig, tuning);
    syncer->complete();
    rig.badge();
    REQUIRE(rig.outputs->relay);

    // Nothing is synced: within the deadline the machine is cut, not left running on a record
    // a power cut could undo.
    REQUIRE(test::wait_until(
        rig.loop, [&] { return !rig.outputs->relay; }, 2s));
    auto st = rig.gate->machine().status();
    CHECK(st.state == MachineState::Fault);
    CHECK(st.detail == "journal disk lost");
    rig.badge();
    CHECK_FALSE(rig.outputs->relay);

    syncer->complete();
    rig.loop.run_once(0);
    CHECK(rig.gate->machine().status().state == MachineState::Idle);
    rig.badge();
    CHECK(rig.outputs->relay);
}

TEST_CASE(
    "a sync that brings only part of what was written does not give the rest a new deadline") {
    log::set_threshold(log::Level::Error);
    ManualSyncer* syncer = nullptr;
    AppRig rig;
    auto tuning = with_manual_syncer(syncer);
    tuning.sync_deadline = 60s;  // on the fake clock; the loop's own timer never fires in here
    start_rig(rig, tuning);
    syncer->complete();
    rig.badge();
    REQUIRE(rig.outputs->relay);
    auto started = syncer->requested();  // the session's start, written at 0 s
    rig.advance_s(31);
    auto first_checkpoint = syncer->requested();  // written at 31 s
    REQUIRE(first_checkpoint > started);
    rig.advance_s(30);
    REQUIRE(syncer->requested() > first_checkpoint);  // the second, written at 61 s
    auto settled = [&] {
        for (int i = 0; i < 5; ++i) rig.loop.run_once(0);
    };

    // At 90 s the disk has the start: the oldest commit it lacks was written 59 s ago.
    rig.clock.advance(29'000);
    syncer->complete_through(started);
    settled();
    REQUIRE(rig.outputs->relay);

    // At 122 s it has the first checkpoint: the second has waited 61 s, past the deadline.
    rig.clock.advance(32'000);
    syncer->complete_through(first_checkpoint);
    CHECK(test::wait_until(
        rig.loop, [&] { return !rig.outputs->relay; }, 1s));
    auto st = rig.gate->machine().status();
    CHECK(st.state == MachineState::Fault);
    CHECK(st.detail == "journal disk lost");
}

TEST_CASE("a power cut before the close is synced loses no closed session") {
    log::set_threshold(log::Level::Error);
    ManualSyncer* syncer = nullptr;
    AppRig rig;
    start_rig(rig, with_manual_syncer(syncer));
    syncer->complete();
    rig.badge();
    rig.advance_s(31);  // a checkpoint at 30 s
    syncer->complete();
    rig.advance_s(60);
    rig.badge();  // closed after 91 s; the power fails before the disk has it
    REQUIRE_FALSE(rig.outputs->relay);
    rig.gate.reset();
    power_cut(rig.journal());

    auto journal = Journal::open(rig.journal());
    REQUIRE(journal);
    auto recovered = journal->close_interrupted();
    REQUIRE(recovered);
    REQUIRE(recovered->size() == 1);
    CHECK(recovered->front().end_reason == EndReason::PowerLoss);
    CHECK(recovered->front().powered_ms >= 30'000);  // billed to its last durable checkpoint
    CHECK(journal->outbox_size().value_or(-1) == 1);
}

TEST_CASE("a closed session synced before the power cut comes back whole") {
    log::set_threshold(log::Level::Error);
    ManualSyncer* syncer = nullptr;
    AppRig rig;
    start_rig(rig, with_manual_syncer(syncer));
    rig.badge();
    rig.advance_s(91);
    rig.badge();
    syncer->complete();
    rig.gate.reset();
    power_cut(rig.journal());

    auto closed = test::only_closed_session(rig.journal());
    CHECK(closed.end_reason == EndReason::BadgeOut);
    CHECK(closed.powered_ms == 91'000);
}

TEST_CASE("the journal's WAL is checkpointed into the database, so it does not grow without end") {
    log::set_threshold(log::Level::Error);
    test::CheckpointedJournal j;
    auto database_bytes = [&] { return std::filesystem::file_size(j.path); };
    auto empty_size = database_bytes();
    // A few hundred KiB of sessions, past the size at which the WAL is checkpointed.
    j.write_sessions(100, 0);
    j.sync_all();
    // The checkpoint follows the sync on the same thread: the sessions reach the database file.
    CHECK(test::wait_until(
        j.loop, [&] { return database_bytes() > empty_size + (100 << 10); },
        std::chrono::seconds(5)));
}

TEST_CASE_FIXTURE(
    SyncedByHandOnBroker,
    "a lock brought by a list is on disk no later than the list, so a power cut keeps it") {
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();  // version 3, unlocked
    test::LedgerSide ledger(broker.port());
    test::connect(rig, ledger, with_manual_syncer(syncer));
    test::sync(rig, ledger);  // the journal holds a lock record: unlocked
    syncer->complete();

    AccessList locked;
    locked.site = "lab";
    locked.machine = "laser-1";
    locked.version = 4;
    locked.generated_at = rig.clock.wall().unix_ms;
    locked.maintenance = MaintenanceLock{"maria", "new lens", locked.generated_at};
    locked.entries[Uid::parse("A1").value()] =
        AccessEntry{"alice", "Alice", false, {}, Role::User, {}};
    syncer->copy_at_next_request = true;  // the disk keeps only the list's first commit
    REQUIRE(ledger.send("acl", encode(locked)));
    REQUIRE(test::pump_until(rig, ledger, [&] { return rig.gate->machine().status().locked; }));
    rig.gate.reset();
    power_cut(rig.journal());

    broker.stop();
    rig.start();
    CHECK(rig.gate->machine().status().locked);
    CHECK(rig.gate->machine().status().detail == "locked by maria: new lens");
}

TEST_CASE_FIXTURE(SyncedByHandOnBroker,
                  "a power cut before a new list is on disk leaves the cached list in force") {
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();  // version 3: Alice
    test::LedgerSide ledger(broker.port());
    test::connect(rig, ledger, with_manual_syncer(syncer));
    syncer->complete();

    take_list_with_bob(rig, ledger);
    rig.gate.reset();
    power_cut(rig.journal());  // the journal's copy is still version 3

    broker.stop();
    rig.start();
    REQUIRE(rig.gate->machine().access_list() != nullptr);  // not refused as a replay
    CHECK(rig.gate->machine().access_list()->version == 3);
    rig.badge();
    CHECK(rig.outputs->relay);
}

TEST_CASE_FIXTURE(SyncedByHandOnBroker,
                  "a list taken just before a clean stop keeps its high-water mark, so a wiped "
                  "journal cannot be fed an older list") {
    rig.write_config(R"({"interlocks": []})", "{}");
    rig.seed_access_list();  // version 3
    test::LedgerSide ledger(broker.port());
    test::connect(rig, ledger, with_manual_syncer(syncer));
    syncer->complete();

    take_list_with_bob(rig, ledger);
    // Stopped before the loop heard of the sync: the stop waits for it, as the sync thread does.
    syncer->sync_at_finish = true;
    rig.gate.reset();

    auto mark =
        read_acl_high_water(acl_high_water_path(rig.journal(), "lab", "laser-1"), "lab", "laser-1");
    REQUIRE(mark.has_value());
    REQUIRE(mark->has_value());
    CHECK((*mark)->version == 4);
}

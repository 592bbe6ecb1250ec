// A session's start and the relay: the relay does not wait for the journal, the start is in
// the journal before the gate takes another event, and a start the journal refuses does not
// leave a machine running that nobody would pay for.
#include <sqlite3.h>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "sys/log.hpp"

using namespace fabgate;
using fabgate::test::AppRig;

namespace {

// Runs one statement on a connection of its own, as another process would; returns the first
// column of the first row, or -1.
long long query(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    long long value = -1;
    if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            value = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return value;
}

// Outputs that look into the journal at the moment the relay switches on.
struct JournalWatchingOutputs final : Outputs {
    std::string journal;
    bool relay = false;
    long long open_rows_at_relay_on = -1;
    void set_relay(bool on) override {
        if (on && !relay)
            open_rows_at_relay_on = query(journal, "SELECT count(*) FROM open_session");
        relay = on;
    }
    void set_after_run(bool) override {}
    void indicate(Indication) override {}
};

JournalWatchingOutputs* start_watched(AppRig& rig) {
    rig.write_config("{}", "{}");
    rig.seed_access_list();
    auto config = load_gate_config_file(rig.config_path);
    REQUIRE(config);
    JournalWatchingOutputs* outputs = nullptr;
    rig.gate = std::make_unique<GateApp>(
        rig.loop, rig.clock, rig.ids, *config,
        [&](const GateConfig&, EventLoop&, HardwareEvents&, const Clock&) {
            auto made = std::make_unique<JournalWatchingOutputs>();
            made->journal = rig.journal();
            outputs = made.get();
            return Result<std::unique_ptr<Outputs>>(std::move(made));
        },
        rig.config_path);
    REQUIRE(rig.gate->start());
    REQUIRE(outputs);
    return outputs;
}

}  // namespace

TEST_CASE(
    "the relay switches on before the start is written, which is written before the next event") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    auto* outputs = start_watched(rig);

    rig.badge();
    CHECK(outputs->relay);
    CHECK(outputs->open_rows_at_relay_on == 0);  // the member did not wait for the journal
    // ...and the badge's handling wrote it before returning: a crash now closes it at power_loss.
    CHECK(query(rig.journal(), "SELECT count(*) FROM open_session") == 1);
}

TEST_CASE("a start the journal refuses switches the machine off at once and keeps the session") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    auto* outputs = start_watched(rig);
    // The journal refuses new sessions (as a full disk would), but still takes closes.
    REQUIRE(query(rig.journal(),
                  "CREATE TRIGGER refuse BEFORE INSERT ON open_session "
                  "BEGIN SELECT RAISE(ABORT, 'disk full'); END") == -1);

    rig.badge();
    CHECK_FALSE(outputs->relay);  // on for a moment, off before the gate took another event
    CHECK(rig.gate->machine().status().state != MachineState::InUse);
    // The moment it ran is not lost: the session is in the outbox, ended by the fault.
    auto outbox = rig.gate->journal().outbox(0, 10);
    REQUIRE(outbox);
    REQUIRE(outbox->size() == 1);
    auto closed = decode_session(outbox->front().payload);
    REQUIRE(closed);
    CHECK(closed->end_reason == EndReason::Fault);
    CHECK(closed->member == "alice");

    // The journal took the close, so it takes writes: the next badge is served as usual.
    REQUIRE(query(rig.journal(), "DROP TRIGGER refuse") == -1);
    rig.badge();
    CHECK(outputs->relay);
    CHECK(rig.gate->machine().status().state == MachineState::InUse);
}

TEST_CASE("a close the journal refused is written when the gate stops, not lost to power_loss") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    start_watched(rig);
    rig.badge();
    rig.advance_s(20);
    // The journal refuses the close (a full disk): the gate keeps it in memory and retries.
    REQUIRE(query(rig.journal(),
                  "CREATE TRIGGER refuse BEFORE INSERT ON outbox "
                  "BEGIN SELECT RAISE(ABORT, 'disk full'); END") == -1);
    rig.badge();
    // Room again, and the operator restarts the gate before the next retry.
    REQUIRE(query(rig.journal(), "DROP TRIGGER refuse") == -1);
    rig.gate->shutdown();
    rig.gate.reset();

    auto closed = test::only_closed_session(rig.journal());
    CHECK(closed.end_reason == EndReason::BadgeOut);
    CHECK(closed.powered_ms == 20'000);
}

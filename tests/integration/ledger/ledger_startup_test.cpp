// The real fabledger and its database: retention purged at start without a cron job, a corrupt
// database refused untouched, a write lock held by fabctl that delays acks but loses nothing.
#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "ledger_lab.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using namespace fabgate::ledger_test;

TEST_CASE("fabledger purges what is past retention_days at start, without a cron job") {
    TempDir dir;
    auto db_path = dir.file("ledger.db");
    const UnixMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const UnixMs day = 86'400'000;
    {
        auto db = LedgerDb::open(db_path);
        REQUIRE(db);
        IngestBatch seen;
        seen.unknown_badges = {{"lab", "laser-1", "11223344", now - 31 * day},
                               {"lab", "laser-1", "55667788", now - 29 * day}};
        REQUIRE(db->ingest().apply(seen, now - 29 * day));
    }
    auto config = dir.file("ledger.json");
    std::ofstream(config) << R"({"database": ")" << db_path
                          << R"(", "broker": {"host": "127.0.0.1", "port": )" << free_tcp_port()
                          << R"(}, "log_level": "info", "retention_days": 30})";
    Child ledger({FABLEDGER_BIN, "--config", config}, dir.file("fabledger.log"));
    auto deadline = std::chrono::steady_clock::now() + Ms(10'000);
    while (read_file(dir.file("fabledger.log")).find("retention purge") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(Ms(20));
    auto log = read_file(dir.file("fabledger.log"));
    CHECK(log.find("retention purge (30 days): 1 unknown-badge sighting(s)") != std::string::npos);

    auto db = LedgerDb::open(db_path);
    REQUIRE(db);
    auto left = db->badges().unknown();
    REQUIRE(left);
    REQUIRE(left->size() == 1);
    CHECK(left->front().uid == "55667788");
    auto audit = db->audit().rows(5);
    REQUIRE(audit);
    CHECK(std::any_of(audit->begin(), audit->end(), [](const AuditRow& row) {
        return row.action == "privacy.purge" && row.actor == "fabledger:retention";
    }));
    ledger.send(SIGTERM);
    CHECK(ledger.wait_exit(Ms(10'000)) == 0);
}

TEST_CASE("fabledger refuses a corrupt database with a clear error and does not touch it") {
    TempDir dir;
    auto db_path = dir.file("ledger.db");
    {
        auto db = LedgerDb::open(db_path);
        REQUIRE(db);
        Member m;
        m.id = "m-1";
        m.name = "Alice";
        REQUIRE(db->members().add(m, "test", kT0));
    }
    {
        std::fstream io(db_path, std::ios::in | std::ios::out | std::ios::binary);
        // All of page 2, the members table: its b-tree header is garbage now.
        io.seekp(4096);
        std::string junk(4096, '\x33');
        io.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto before = read_file(db_path);
    auto config = dir.file("ledger.json");
    std::ofstream(config) << ledger_config(db_path, free_tcp_port());
    Child ledger({FABLEDGER_BIN, "--config", config}, dir.file("fabledger.log"));
    CHECK(ledger.wait_exit(Ms(10'000)) == 1);
    auto log = read_file(dir.file("fabledger.log"));
    CHECK(log.find(db_path) != std::string::npos);
    CHECK(log.find("refusing to touch it") != std::string::npos);
    CHECK(read_file(db_path) == before);

    // --check-config names an unknown key.
    auto bad = dir.file("bad.json");
    std::ofstream(bad) << R"({"database": "x", "brokr": {}})";
    Child check({FABLEDGER_BIN, "--check-config", bad}, dir.file("check.log"));
    CHECK(check.wait_exit(Ms(5000)) == 1);
    CHECK(read_file(dir.file("check.log")).find("brokr") != std::string::npos);
}

TEST_CASE(
    "while fabctl holds the write lock nothing is acked; the batch is retried and then acked") {
    Lab lab;
    lab.start_ledger();
    GateClient gate(lab.broker.port(), "gate-locked");
    REQUIRE(gate.client.run_until([&] { return gate.acl_version("laser-1") >= 1; }, Ms(10'000)));

    auto db = lab.open_db();
    REQUIRE(db.database().exec("BEGIN IMMEDIATE"));  // a long fabctl job, say
    auto s =
        make_session(session_id(static_cast<std::uint64_t>(kT0) + 9, 1), "lab", "laser-1", kT0, 15);
    REQUIRE(gate.publish(s));
    // A negative can only be observed over time: a second with no ack (the ledger's busy
    // timeout is 200 ms here, so it has failed and retried by then).
    gate.client.run_for(Ms(1000));
    CHECK(gate.acked.empty());
    REQUIRE(db.database().exec("COMMIT"));
    REQUIRE(gate.client.run_until([&] { return gate.acked.count(s.id) == 1; }, Ms(5000)));
    CHECK(*db.reports().session_count() == 1);
    CHECK(read_file(lab.log).find("retrying") != std::string::npos);
}

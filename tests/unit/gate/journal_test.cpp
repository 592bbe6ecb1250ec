#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "core/clock.hpp"
#include "gate/journal.hpp"
#include "store/sqlite.hpp"
#include "sys/session_ids.hpp"

using namespace fabgate;

namespace {

struct TempFile {
    std::string path;
    TempFile() {
        char templ[] = "/tmp/fabgate-journal-XXXXXX";
        int fd = mkstemp(templ);
        close(fd);
        path = templ;
        std::remove(path.c_str());
    }
    ~TempFile() {
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    }
};

SessionRecord session(const std::string& id, std::int64_t powered_ms) {
    SessionRecord s;
    s.id = id;
    s.site = "lab";
    s.machine = "laser-1";
    s.uid = "04A1B2C3";
    s.member = "alice";
    s.started_at = 1'767'225'600'000;
    s.ended_at = s.started_at + powered_ms;
    s.powered_ms = powered_ms;
    return s;
}

// Tampers with a database behind the guarded layer's back.
void raw_exec(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("a session left open by a power cut is closed at its last checkpoint, once") {
    TempFile f;
    {
        auto j = Journal::open(f.path).value();
        REQUIRE(j.session_opened(session("s-1", 0)));
        REQUIRE(j.checkpoint(session("s-1", 30'000)));
        REQUIRE(j.checkpoint(session("s-1", 60'000)));
    }  // the daemon dies here
    auto j = Journal::open(f.path).value();
    auto closed = j.close_interrupted().value();
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].end_reason == EndReason::PowerLoss);
    CHECK(closed[0].powered_ms == 60'000);
    auto out = j.outbox(0, 10).value();
    REQUIRE(out.size() == 1);
    CHECK(decode_session(out[0].payload)->end_reason == EndReason::PowerLoss);
    CHECK(j.close_interrupted().value().empty());  // not closed twice
}

TEST_CASE("the outbox keeps order and forgets only what the ledger acknowledged") {
    TempFile f;
    auto j = Journal::open(f.path).value();
    for (int i = 1; i <= 5; ++i) {
        auto s = session("s-" + std::to_string(i), i * 1000);
        REQUIRE(j.session_opened(s));
        REQUIRE(j.session_closed(s));
    }
    auto out = j.outbox(0, 10).value();
    REQUIRE(out.size() == 5);
    for (std::size_t i = 1; i < out.size(); ++i) CHECK(out[i].seq > out[i - 1].seq);
    CHECK(j.acknowledge({"s-2", "s-4", "unknown"}).value() == 2);
    out = j.outbox(0, 10).value();
    REQUIRE(out.size() == 3);
    CHECK(out[0].id == "s-1");
    CHECK(out[1].id == "s-3");
    CHECK(out[2].id == "s-5");
    CHECK(j.outbox(out[1].seq, 10).value().size() == 1);
    // Closing the same session twice (a retry) does not duplicate it.
    REQUIRE(j.session_closed(session("s-5", 5000)));
    CHECK(j.outbox_size().value() == 3);
}

TEST_CASE("the cached access list survives a restart") {
    TempFile f;
    {
        auto j = Journal::open(f.path).value();
        CHECK_FALSE(j.load_access_list().value().has_value());
        REQUIRE(j.store_access_list(7, "{\"list\":7}"));
        REQUIRE(j.store_access_list(8, "{\"list\":8}"));
    }
    auto cached = Journal::open(f.path).value().load_access_list().value();
    REQUIRE(cached.has_value());
    CHECK(cached->version == 8);
    CHECK(cached->payload == "{\"list\":8}");
}

TEST_CASE("a corrupt journal is refused with a clear error and left untouched") {
    TempFile f;
    {
        std::ofstream out(f.path, std::ios::binary);
        out << "SQLite format 3" << std::string(4096, '\x5a');
    }
    auto before = file_bytes(f.path);
    auto j = Journal::open(f.path);
    REQUIRE_FALSE(j);
    CHECK(j.error().message().find(f.path) != std::string::npos);
    CHECK(j.error().message().find("refusing to touch it") != std::string::npos);
    CHECK(file_bytes(f.path) == before);
}

TEST_CASE("a journal from a newer FabGate, or another program's database, is refused") {
    TempFile f;
    raw_exec(f.path, "CREATE TABLE t(x); PRAGMA user_version=1; PRAGMA application_id=12345;");
    auto before = file_bytes(f.path);
    auto j = Journal::open(f.path);
    REQUIRE_FALSE(j);
    CHECK(j.error().message().find("is not a FabGate gate journal database") != std::string::npos);
    CHECK(file_bytes(f.path) == before);  // not even switched to WAL

    TempFile plain;  // someone else's database that never set an application id
    raw_exec(plain.path, "CREATE TABLE members(name TEXT)");
    auto plain_before = file_bytes(plain.path);
    CHECK_FALSE(Journal::open(plain.path));
    CHECK(file_bytes(plain.path) == plain_before);

    TempFile g;
    { REQUIRE(Journal::open(g.path)); }
    raw_exec(g.path, "PRAGMA user_version=99");
    auto newer = Journal::open(g.path);
    REQUIRE_FALSE(newer);
    CHECK(newer.error().message().find("schema version 99, newer than this program's 2") !=
          std::string::npos);
}

TEST_CASE("session ids are unique and sort by time, even within one millisecond") {
    FakeClock clock;
    Uuid7Ids ids(clock);
    std::vector<std::string> made;
    for (int i = 0; i < 1000; ++i) {
        if (i % 100 == 0) clock.advance(1);
        made.push_back(ids.next_session_id());
    }
    CHECK(std::set<std::string>(made.begin(), made.end()).size() == made.size());
    CHECK(std::is_sorted(made.begin(), made.end()));
    CHECK(made[0].size() == 36);
    CHECK(made[0][14] == '7');  // UUID version 7
}

TEST_CASE("the journal keeps the maintenance lock, its author and reason, across a restart") {
    TempFile f;
    {
        auto j = Journal::open(f.path).value();
        CHECK_FALSE(j.load_lock().value().has_value());  // never recorded: the list decides
        REQUIRE(j.store_lock(MaintenanceLock{"maria", "new lens", 1'767'225'600'000}));
    }
    {
        auto j = Journal::open(f.path).value();
        auto stored = j.load_lock().value();
        REQUIRE(stored.has_value());
        REQUIRE(stored->has_value());
        CHECK((*stored)->by == "maria");
        CHECK((*stored)->reason == "new lens");
        CHECK((*stored)->since == 1'767'225'600'000);
        REQUIRE(j.store_lock(std::nullopt));
    }
    auto unlocked = Journal::open(f.path).value().load_lock().value();
    REQUIRE(unlocked.has_value());  // recorded as unlocked, not "never recorded"
    CHECK_FALSE(unlocked->has_value());
}

// fabctl when something is wrong: bad arguments, --help, a corrupt, foreign or missing
// database, and where the database is found.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include "commands_lab.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using namespace fabgate::test;
using nlohmann::json;

TEST_CASE("bad arguments give exit code 2 and name the argument") {
    Lab lab;
    lab.standard_setup();
    struct Case {
        std::vector<std::string> args;
        std::string named;
    };
    const std::vector<Case> cases = {
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "12.505"}, "--per-hour"},
        // An empty price (an unset shell variable) is not a free tariff.
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", ""}, "--per-hour"},
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "1", "--from", ""},
         "--from"},
        // Out of the tariff's range: named by the option typed, the limit as an amount.
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "2000000"},
         "--per-hour: must be at most 1000000.00 EUR"},
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "1", "--free-below", "2d"},
         "--free-below"},
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "1", "--increment", "6"},
         "--increment"},
        {{"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "1", "--currency", "EURO"},
         "--currency"},
        {{"members", "add", "m-3"}, "--name"},
        {{"members", "add", "m 3", "--name", "X"}, "ID"},
        {{"members", "add", "m-3", "--name", "X", "--class", ""}, "--class: is empty"},
        // Latin-1 from a terminal set so: named, not an "internal error".
        {{"members", "add", "m-3", "--name",
          "Ren\xe9"
          "e"},
         "--name: is not UTF-8 text"},
        {{"members", "add", "m-3", "--name", "X", "--until", "2026-02-30"}, "--until"},
        // An empty end (an unset shell variable) is not "never".
        {{"members", "add", "m-3", "--name", "X", "--until", ""}, "--until"},
        {{"rights", "grant", "m-1", "laser-1", "--until", ""}, "--until"},
        {{"members", "edit", "m-1", "--until", ""}, "--until"},
        {{"members", "list", "--status", "asleep"}, "--status"},
        {{"members", "list", "--frobnicate"}, "--frobnicate"},
        {{"rights", "grant", "m-1", "laser-1", "--role", "boss"}, "--role"},
        {{"rights", "grant", "m-1"}, "MACHINE"},
        {{"badges", "assign", "XYZ", "m-1"}, "UID"},
        {{"usage", "report", "--from", "2026-03-01", "--to", "2026-02-01"}, "--to"},
        {{"usage", "report", "--from", "yesterday", "--to", "2026-02-01"}, "--from"},
        {{"billing", "export", "zero"}, "BATCH"},
        {{"billing", "export", "0"}, "1 or more"},
        {{"members", "show", "m-1", "--sessions", "20000"}, "--sessions"},
        // Numbers are decimal: 0x10 is not 16.
        {{"audit", "--limit", "0x10"}, "--limit"},
        {{"purge", "--days", "0b11"}, "--days"},
        {{"machines", "add", "laser-9", "--name", "X"}, "SITE/ID"},
        {{"members"}, "give a command: add, edit"},
        {{"members", "lsit"}, "unknown command 'lsit'"},
        {{"nonsense"}, "nonsense"},
    };
    for (const auto& c : cases) {
        auto r = lab.run(c.args);
        std::string line;
        for (const auto& a : c.args) line += a + " ";
        INFO(line, "\nstderr: ", r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(c.named) != std::string::npos);
        CHECK(r.out.empty());
    }
}

TEST_CASE("every command has --help, which exits 0") {
    Lab lab;
    for (std::vector<std::string> args :
         std::vector<std::vector<std::string>>{{},
                                               {"members"},
                                               {"members", "add"},
                                               {"members", "edit"},
                                               {"members", "suspend"},
                                               {"members", "reinstate"},
                                               {"members", "remove"},
                                               {"members", "list"},
                                               {"members", "show"},
                                               {"badges", "assign"},
                                               {"badges", "unassign"},
                                               {"badges", "list"},
                                               {"badges", "unknown"},
                                               {"rights", "grant"},
                                               {"rights", "revoke"},
                                               {"rights", "list"},
                                               {"machines", "add"},
                                               {"machines", "list"},
                                               {"machines", "lock"},
                                               {"machines", "unlock"},
                                               {"machines", "end-session"},
                                               {"tariffs", "set"},
                                               {"tariffs", "list"},
                                               {"usage", "report"},
                                               {"billing", "close"},
                                               {"billing", "batches"},
                                               {"billing", "export"},
                                               {"audit"},
                                               {"errors"}}) {
        args.push_back("--help");
        auto r = lab.run_raw(args);
        std::string name = args.size() > 1 ? args[0] + " " + args[1] : std::string("fabctl");
        INFO(name);
        CHECK(r.code == 0);
        CHECK(r.out.find("Usage:") != std::string::npos);
    }
}

TEST_CASE("a corrupt database file gives a clear error and is left as it was") {
    Lab lab;
    {
        std::ofstream garbage(lab.db_path, std::ios::binary);
        for (int i = 0; i < 4096; ++i) garbage.put(static_cast<char>((i * 7919) % 251));
    }
    auto before = file_bytes(lab.db_path);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"},
          std::vector<std::string>{"members", "add", "m-1", "--name", "X"},
          std::vector<std::string>{"init"}}) {
        auto r = lab.run(args);
        CHECK(r.code == 1);
        CHECK(r.err.find(lab.db_path) != std::string::npos);
        CHECK(r.err.find("not a readable SQLite database") != std::string::npos);
    }
    CHECK(file_bytes(lab.db_path) == before);
    CHECK_FALSE(std::filesystem::exists(lab.db_path + "-wal"));
}

TEST_CASE("a ledger damaged inside is reported and not written to") {
    Lab lab;
    lab.standard_setup();
    std::int64_t root = 0;
    {
        auto db = lab.open();
        auto st = db.database().prepare("SELECT rootpage FROM sqlite_master WHERE name='members'");
        REQUIRE(st);
        REQUIRE(st->step().value_or(false));
        root = st->int64(0);
    }
    REQUIRE_FALSE(std::filesystem::exists(lab.db_path + "-wal"));  // checkpointed on close
    {
        std::fstream f(lab.db_path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(root - 1) * 4096);
        for (int i = 0; i < 200; ++i) f.put(static_cast<char>(0xAB));
    }
    auto before = file_bytes(lab.db_path);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"},
          std::vector<std::string>{"members", "add", "m-3", "--name", "X"},
          std::vector<std::string>{"check"}}) {
        auto r = lab.run(args);
        INFO(r.err);
        CHECK(r.code == 1);
        CHECK(r.err.find(lab.db_path) != std::string::npos);
        CHECK(r.err.find("damaged") != std::string::npos);
    }
    CHECK(file_bytes(lab.db_path) == before);
}

TEST_CASE("another program's SQLite file is refused, not migrated") {
    Lab lab;
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(lab.db_path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "PRAGMA application_id=1234; CREATE TABLE t(x);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(other);
    auto before = file_bytes(lab.db_path);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"}, std::vector<std::string>{"init"}}) {
        auto r = lab.run(args);
        CHECK(r.code == 1);
        // Which file, that it is not a ledger, and that it was left alone.
        CHECK(r.err == "fabctl: " + lab.db_path +
                           ": is not a FabGate ledger database (application_id 1234); refusing "
                           "to touch it\n");
        CHECK(file_bytes(lab.db_path) == before);
        CHECK_FALSE(std::filesystem::exists(lab.db_path + "-wal"));
    }
}

TEST_CASE("a missing database is not created by accident") {
    Lab lab;
    auto r = lab.run({"members", "list"});
    CHECK(r.code == 1);
    CHECK(r.err.find("fabctl --db " + lab.db_path + " init") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(lab.db_path));
    // Without --db and without the default config, the manager is told what to give.
    auto no_config = lab.run_raw({"--config", (lab.dir / "nope.json").string(), "members", "list"});
    CHECK(no_config.code == 1);
    CHECK(no_config.err.find("nope.json") != std::string::npos);
}

TEST_CASE("an empty database file is not made a ledger by accident, but init may") {
    // What a failed copy or restore leaves: it must not pass for a ledger with no members.
    Lab lab;
    std::ofstream(lab.db_path).close();
    for (std::vector<std::string> args :
         {std::vector<std::string>{"members", "list"},
          std::vector<std::string>{"members", "add", "m-1", "--name", "X"}}) {
        auto r = lab.run(args);
        INFO(r.err);
        CHECK(r.code == 1);
        CHECK(r.err.find(lab.db_path + ": is empty") != std::string::npos);
        CHECK(std::filesystem::file_size(lab.db_path) == 0);
        CHECK_FALSE(std::filesystem::exists(lab.db_path + "-wal"));
    }
    CHECK(lab.run({"init"}).code == 0);
    CHECK(lab.run({"members", "list"}).code == 0);
}

TEST_CASE("the config file gives the database") {
    Lab lab;
    auto config = (lab.dir / "ledger.json").string();
    std::ofstream(config) << R"({"database": ")" << lab.db_path << R"("})";
    REQUIRE(lab.run_raw({"--config", config, "init"}).code == 0);
    auto r = lab.run_raw({"--config", config, "members", "add", "m-1", "--name", "A"});
    CHECK(r.code == 0);
    std::ofstream(config) << R"({"database": ")" << lab.db_path << R"(", "colour": 1})";
    auto bad = lab.run_raw({"--config", config, "members", "list"});
    CHECK(bad.code == 1);
    CHECK(bad.err.find("colour") != std::string::npos);
}

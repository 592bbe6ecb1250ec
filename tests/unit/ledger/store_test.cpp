// The SQLite layer under the ledger and the gate's journal: a failed COMMIT never leaves the
// connection inside a transaction, and a failed bind is an error, not a NULL.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>

#include "ledger_test_support.hpp"
#include "store/sqlite.hpp"

using namespace fabgate;
using namespace fabgate::db;

using fabgate::test::TempDir;

namespace {

constexpr Migration kSchema[] = {
    {1,
     "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
     "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL"
     " REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"},
};

Database open_test_db(const TempDir& dir) {
    OpenOptions options;
    options.application_id = 0x7e57;
    options.application_name = "store test";
    options.migrations = kSchema;
    auto db = Database::open(dir.file("test.db"), options);
    REQUIRE(db);
    return std::move(*db);
}

std::int64_t count(Database& db, const char* table) {
    auto st = db.prepare(std::string("SELECT count(*) FROM ") + table);
    REQUIRE(st);
    REQUIRE(*st->step());
    return st->int64(0);
}

}  // namespace

TEST_CASE("a COMMIT refused by a deferred foreign key rolls back and leaves no transaction open") {
    TempDir dir;
    auto db = open_test_db(dir);
    {
        Transaction tx(db);
        REQUIRE(tx.begin());
        REQUIRE(db.exec("INSERT INTO child (id, parent) VALUES (1, 42)"));  // no parent 42
        auto committed = tx.commit();
        REQUIRE_FALSE(committed);
        CHECK(committed.error().message().find("FOREIGN KEY") != std::string::npos);
        CHECK_FALSE(db.in_transaction());
    }
    CHECK(count(db, "child") == 0);

    // The connection is usable: the next transaction begins and commits.
    Transaction tx(db);
    REQUIRE(tx.begin());
    REQUIRE(db.exec("INSERT INTO parent (id) VALUES (42)"));
    REQUIRE(db.exec("INSERT INTO child (id, parent) VALUES (1, 42)"));
    REQUIRE(tx.commit());
    CHECK_FALSE(db.in_transaction());
    CHECK(count(db, "child") == 1);
}

TEST_CASE("a failed bind fails the statement instead of running it with NULL") {
    TempDir dir;
    auto db = open_test_db(dir);
    auto insert = db.prepare("INSERT INTO parent (id) VALUES (?1)");
    REQUIRE(insert);
    insert->bind(2, std::int64_t{7});  // there is no ?2
    REQUIRE(insert->bind_error());
    auto ran = insert->run();
    REQUIRE_FALSE(ran);
    CHECK(ran.error().message().find("parameter 2") != std::string::npos);
    CHECK(count(db, "parent") == 0);  // not run: ?1 would have been NULL, a new rowid

    // The error does not stick to the statement once it is reset.
    REQUIRE_FALSE(insert->bind_error());
    REQUIRE(insert->bind(1, std::int64_t{7}).run());
    CHECK(count(db, "parent") == 1);
}

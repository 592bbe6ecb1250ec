// A released migration must run as it did when it was released: a database that an earlier
// release created, or migrates today, must end up as before, and SQLite keeps the text of every
// CREATE statement. schema.hpp joins some migrations from pieces that several share; the
// digests below are those of the text each release shipped and must never change.
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "ledger/db_util.hpp"
#include "ledger/schema.hpp"

using namespace fabgate;

TEST_CASE("every released migration keeps the text it was released with") {
    const std::map<int, std::string> released{
        {1, "8018dd96ca48c4bd6fe0080f9e7eadb7e1364bc3f89fc1c9c2a8f506d7c75ec8"},
        {2, "66cf725303e43774176fd90f593472cf0b935caa6b9befe62cbaacf6b5233dd3"},
        {3, "8b69db12f1b6f93a257c946d56cd7081a0a1ad273070c9ad237f84b16929ad0c"},
        {4, "3f36a21e840e6da1f8b76b29d0dac28c81256a78f03f2ad8ca9d12e22a5247a8"},
        {5, "42d1462f61db1704065b402d215ce252d997dcfbb7bb836a401e6b69b6c37ea7"},
        {6, "b11740e3d93bc0342d5f1dbb5e4578b15c80167890bf40bce989f77813c50c04"},
        {7, "b070ae37644da5b7998d63be3db217938eace8e5e24d56c2297c249c51814e15"},
        {8, "18b48999f96838c0f0233a11cc8e649bf462e01fb9b67a7ae0ae8409885468b6"},
        {9, "8e2341fa3f31186c5977a4d206f01ea4c2f228bad25f66db7dac816daf1f3253"},
        {10, "8f0523a4b4c15328b154cef7844733cf265323b13f2e6b0ddd476d0492462155"},
        {11, "2b1b8dc9a8dbadc1e6f49918a07a87d3f359e665ead5b6eb5ded05ff4101b726"},
        {12, "bbaa6942a7915f2c8b6382f433bc032862524ebb033699c735e90998ac21908a"},
        {13, "06c4d648efc67825c348c272c64ed449e2ea92df3cb0295b6f8be3a2cd3da242"}};
    std::size_t checked = 0;
    for (const auto& migration : ledger::kMigrations) {
        auto digest = released.find(migration.version);
        if (digest == released.end()) continue;  // not released yet
        const int version = migration.version;
        CAPTURE(version);
        CHECK(ledger::detail::sha256_hex(migration.sql) == digest->second);
        ++checked;
    }
    CHECK(checked == released.size());
}

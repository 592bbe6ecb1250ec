#include <doctest/doctest.h>

#include "ledger/ledger_config.hpp"

using namespace fabgate::ledger;

TEST_CASE("ledger config: defaults, a fixed client id, and unknown keys named") {
    auto cfg = load_ledger_config_text(R"({"database": "/tmp/l.db", "broker": {"port": 1884}})");
    REQUIRE(cfg);
    CHECK(cfg->database == "/tmp/l.db");
    CHECK(cfg->broker.port == 1884);
    CHECK(cfg->broker.client_id == "fabledger");
    CHECK(cfg->batch_max_messages == 1000);
    CHECK(cfg->batch_max_ms == 20);

    auto bad =
        load_ledger_config_text(R"({"database": "x", "batch_size": 10, "broker": {"hots": "a"}})");
    REQUIRE_FALSE(bad);
    std::string all;
    for (const auto& e : bad.error()) all += e.message() + "\n";
    CHECK(all.find("batch_size") != std::string::npos);
    CHECK(all.find("broker.hots") != std::string::npos);

    CHECK_FALSE(load_ledger_config_text(R"({"batch_max_messages": 5000})"));
    CHECK_FALSE(load_ledger_config_text(R"({"broker": {"client_id": ""}})"));
}

TEST_CASE("ledger config: a database given twice is refused, not taken from the last line") {
    auto r = load_ledger_config_text(R"({"database": "/var/lib/a.db", "database": "/tmp/b.db"})");
    REQUIRE_FALSE(r);
    REQUIRE(r.error().size() == 1);
    CHECK(r.error().front().message() == "database: is given twice; keep one");
}

TEST_CASE("ledger config: an empty database path is named, with the other mistakes") {
    auto r = load_ledger_config_text(R"({"database": "", "batch_max_ms": 0})");
    REQUIRE_FALSE(r);
    REQUIRE(r.error().size() == 2);
    CHECK(r.error().front().message() == "database: must not be empty");
    CHECK(r.error().back().where == "batch_max_ms");
}

TEST_CASE("ledger config: the lab's time_zone is an IANA name, UTC when absent") {
    auto none = load_ledger_config_text(R"({"database": "/tmp/l.db"})");
    REQUIRE(none);
    CHECK(none->time_zone.empty());
    auto paris = load_ledger_config_text(R"({"time_zone": "Europe/Paris"})");
    REQUIRE(paris);
    CHECK(paris->time_zone == "Europe/Paris");
    for (const char* bad : {R"({"time_zone": "../../etc/passwd"})", R"({"time_zone": "/UTC"})",
                            R"({"time_zone": "Europe/Paris "})", R"({"time_zone": 1})"}) {
        auto r = load_ledger_config_text(bad);
        REQUIRE_FALSE(r);
        CHECK_MESSAGE(r.error().front().where == "time_zone", bad);
    }
}

TEST_CASE("ledger config: a time_zone the tz database does not hold is refused, naming it") {
    // fabctl cuts billing periods in this zone: a misspelt one must fail --check-config and the
    // start, not the billing job at the end of the month.
    auto r = load_ledger_config_text(R"({"time_zone": "Europe/Pariss"})");
    REQUIRE_FALSE(r);
    REQUIRE(r.error().size() == 1);
    CHECK(r.error().front().where == "time_zone");
    CHECK(r.error().front().what.find("'Europe/Pariss' is not a time zone") != std::string::npos);
    CHECK(load_ledger_config_text(R"({"time_zone": "UTC"})"));
    CHECK(load_ledger_config_text(R"({"time_zone": "America/Argentina/Buenos_Aires"})"));
}

TEST_CASE("ledger config: acl_reissue_s defaults to an hour and may not exceed it") {
    auto defaults = load_ledger_config_text(R"({"database": "/tmp/l.db"})");
    REQUIRE(defaults);
    CHECK(defaults->acl_reissue_s == 3600);
    auto quick = load_ledger_config_text(R"({"acl_reissue_s": 600})");
    REQUIRE(quick);
    CHECK(quick->acl_reissue_s == 600);
    // Slower than gates' minimum acl_max_age_s allows for: online gates would go stale.
    for (const char* bad : {R"({"acl_reissue_s": 3601})", R"({"acl_reissue_s": 0})"}) {
        auto r = load_ledger_config_text(bad);
        REQUIRE_FALSE(r);
        CHECK_MESSAGE(r.error().front().where == "acl_reissue_s", bad);
    }
}

TEST_CASE("ledger config: log_level is one of the levels the log is cut at, info by default") {
    auto none = load_ledger_config_text(R"({"database": "/tmp/l.db"})");
    REQUIRE(none);
    CHECK(none->log_level == "info");
    auto debug = load_ledger_config_text(R"({"log_level": "debug"})");
    REQUIRE(debug);
    CHECK(debug->log_level == "debug");
    auto loud = load_ledger_config_text(R"({"log_level": "loud"})");
    REQUIRE_FALSE(loud);
    CHECK(loud.error().front().where == "log_level");
}

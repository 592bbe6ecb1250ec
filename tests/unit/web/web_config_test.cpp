// fabweb's config: the example loads, mistakes are named, plain HTTP stays on loopback.
#include <doctest/doctest.h>

#include "web/web_config.hpp"

using namespace fabgate::web;

TEST_CASE("the example config/fabweb.json loads") {
    auto config = load_web_config_file(FABGATE_SOURCE_DIR "/config/fabweb.json");
    REQUIRE(config);
    CHECK(config->listen.address == "127.0.0.1");
    CHECK(config->broker.client_id == "fabweb");
    CHECK(config->time_zone == "Europe/Paris");
    CHECK(check_listener(config->listen));
}

TEST_CASE("an unknown key or a lone certificate is named") {
    auto unknown = load_web_config_text(R"({"listen": {"adress": "0.0.0.0"}})");
    REQUIRE(!unknown);
    CHECK(unknown.error().front().message().find("listen.adress") != std::string::npos);
    // At the top too: a misspelt section would otherwise leave its defaults silently in force.
    auto top = load_web_config_text(R"({"sesions": {"idle_timeout_s": 300}})");
    REQUIRE(!top);
    CHECK(top.error().front().message().find("sesions") != std::string::npos);
    auto lone = load_web_config_text(R"({"listen": {"cert_file": "/etc/x.pem"}})");
    REQUIRE(!lone);
    CHECK(lone.error().front().what.find("key_file") != std::string::npos);
}

TEST_CASE("an empty database path is named, with the other mistakes") {
    auto r = load_web_config_text(R"({"database": "", "currency": "EU"})");
    REQUIRE(!r);
    REQUIRE(r.error().size() == 2);
    CHECK(r.error().front().message() == "database: must not be empty");
    CHECK(r.error().back().message() == "currency: must be an ISO 4217 code like EUR");
}

TEST_CASE("plain HTTP off loopback is refused unless insecure_http says so") {
    ListenConfig l;
    l.address = "0.0.0.0";
    auto refused = check_listener(l);
    REQUIRE(!refused);
    CHECK(refused.error().where == "listen.address");
    l.insecure_http = true;
    CHECK(check_listener(l));
    l.insecure_http = false;
    l.cert_file = "c.pem";
    l.key_file = "k.pem";
    CHECK(check_listener(l));
    for (auto a : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
        ListenConfig loop;
        loop.address = a;
        CHECK(check_listener(loop));
    }
    ListenConfig v6;
    v6.address = "::";
    CHECK(!check_listener(v6));
}

TEST_CASE("limits left out keep their defaults; given ones are read, and out of range is named") {
    auto given = load_web_config_text(
        R"({"listen": {"port": 8443}, "sessions": {"idle_timeout_s": 600},
            "login_limit": {"per_login": 3}, "command_timeout_s": 9})");
    REQUIRE(given);
    WebConfig defaults;
    CHECK(given->listen.port == 8443);
    CHECK(given->idle_timeout_s == 600);
    CHECK(given->max_sessions_per_account == defaults.max_sessions_per_account);
    CHECK(given->login_limit_per_login == 3);
    CHECK(given->login_limit_per_address == defaults.login_limit_per_address);
    CHECK(given->login_window_s == defaults.login_window_s);
    CHECK(given->command_timeout_s == 9);

    auto too_short = load_web_config_text(R"({"sessions": {"idle_timeout_s": 59}})");
    REQUIRE(!too_short);
    CHECK(too_short.error().front().message().find("sessions.idle_timeout_s") != std::string::npos);
}

TEST_CASE("listen.hosts is read in lower case; a URL or a port in it is named") {
    auto given = load_web_config_text(R"({"listen": {"hosts": ["Console.Lab", "fablab.local"]}})");
    REQUIRE(given);
    CHECK(given->listen.hosts == std::vector<std::string>{"console.lab", "fablab.local"});
    CHECK(load_web_config_text("{}")->listen.hosts.empty());
    for (auto bad : {R"(["https://console.lab"])", R"(["console.lab:8080"])", R"([""])", R"([7])",
                     R"("console.lab")"}) {
        CAPTURE(bad);
        auto r = load_web_config_text(std::string(R"({"listen": {"hosts": )") + bad + "}}");
        REQUIRE(!r);
        CHECK(r.error().front().where.rfind("listen.hosts", 0) == 0);
    }
}

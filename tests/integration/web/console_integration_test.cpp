// The console against a real Mosquitto and a real fabgate on simulated hardware: the board's
// event stream follows the gate's retained state, a lock is confirmed by the gate, and a gate
// that dies turns offline. fabweb runs in-process on the test's loop; waits are on conditions.
#include <doctest/doctest.h>

#include <csignal>

#include <nlohmann/json.hpp>

#include "gate_harness.hpp"
#include "raw_http.hpp"
#include "web/auth.hpp"
#include "web/web_server.hpp"

using namespace fabgate;
using namespace fabgate::test;

namespace {

// The newest `event: machine` entry for laser-1 in an SSE transcript, or null.
nlohmann::json last_laser_event(const std::string& stream) {
    nlohmann::json last;
    std::size_t at = 0;
    const std::string marker = "event: machine\ndata: ";
    while ((at = stream.find(marker, at)) != std::string::npos) {
        at += marker.size();
        auto end = stream.find('\n', at);
        if (end == std::string::npos) break;
        auto entry = nlohmann::json::parse(stream.substr(at, end - at), nullptr, false);
        if (entry.is_object() && entry["id"] == kMachine) last = entry;
    }
    return last;
}

}  // namespace

TEST_CASE("the board's event stream follows a real gate: online, locked by the console, offline") {
    TempDir dir;
    TestBroker broker;
    std::string db_path = dir.file("ledger.db");
    auto db = ledger::LedgerDb::open(db_path);
    REQUIRE(db);
    REQUIRE(db->machines().upsert({kSite, kMachine, "Laser", std::nullopt}, "test", 0));
    auto hash = web::hash_password("correct horse battery");
    REQUIRE(hash);
    REQUIRE(db->managers().put({"ada", ledger::ManagerRole::Admin, {}, *hash, 0, 0}, "test", 0));

    web::WebConfig config;
    config.database = db_path;
    config.static_dir = dir.path();
    config.listen.port = 0;
    config.broker.port = broker.port();
    config.broker.keepalive_s = 5;
    EventLoop loop;
    web::WebServer server(loop, config, *db);
    REQUIRE(server.start());

    RawHttp login(server.port(),
                  http_request("POST", "/api/login",
                               R"({"login":"ada","password":"correct horse battery"})"));
    REQUIRE(login.read_all(loop));
    REQUIRE(login.received.rfind("HTTP/1.1 200", 0) == 0);
    auto who = nlohmann::json::parse(login.body());
    auto cookie_at = login.received.find("fabweb_session=") + 15;
    std::string cookie = login.received.substr(cookie_at, 64);
    std::string csrf = who["csrf"];

    RawHttp events(server.port(), http_request("GET", "/api/events", "", cookie));
    REQUIRE(events.read_until(loop, [](const std::string& s) {
        return s.find("text/event-stream") != std::string::npos && !last_laser_event(s).is_null();
    }));
    CHECK(last_laser_event(events.received)["online"] == false);  // never heard yet

    GateUnderTest gate(dir, broker.port());
    gate.start();
    REQUIRE_MESSAGE(events.read_until(loop,
                                      [](const std::string& s) {
                                          auto e = last_laser_event(s);
                                          return !e.is_null() && e["online"] == true;
                                      }),
                    gate.log());
    CHECK(last_laser_event(events.received)["state"] == "idle");

    RawHttp lock(server.port(), http_request("POST", "/api/machines/lab/laser-1/lock",
                                             R"({"reason":"new lens"})", cookie, csrf));
    REQUIRE(lock.read_all(loop));
    auto reply = nlohmann::json::parse(lock.body(), nullptr, false);
    CHECK_MESSAGE(reply["confirmed"] == true, lock.received);
    REQUIRE(events.read_until(loop, [](const std::string& s) {
        auto e = last_laser_event(s);
        return !e.is_null() && e["locked"] == true;
    }));
    CHECK(last_laser_event(events.received)["lock"]["by"] == "ada");

    gate.kill(SIGKILL);  // the broker publishes its last will when the keepalive runs out
    REQUIRE(events.read_until(
        loop,
        [](const std::string& s) {
            auto e = last_laser_event(s);
            return !e.is_null() && e["online"] == false;
        },
        std::chrono::seconds(20)));
    CHECK(last_laser_event(events.received)["state"] == "offline");
    server.stop();
}

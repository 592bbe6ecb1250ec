#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <new>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "mqtt/mqtt_link.hpp"
#include "sys/log.hpp"
#include "test_support.hpp"

using namespace fabgate;
using namespace std::chrono_literals;

namespace {

// Sends stderr (where log lines go) to a file for as long as it lives.
class StderrCapture {
  public:
    StderrCapture() : path_(dir_.file("stderr.log")) {
        std::fflush(stderr);
        saved_ = dup(STDERR_FILENO);
        FILE* f = std::fopen(path_.c_str(), "w");
        dup2(fileno(f), STDERR_FILENO);
        std::fclose(f);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        std::fflush(stderr);
        std::ifstream in(path_);
        std::stringstream all;
        all << in.rdbuf();
        return all.str();
    }
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        dup2(saved_, STDERR_FILENO);
        close(saved_);
        saved_ = -1;
    }

  private:
    test::TempDir dir_;
    std::string path_;
    int saved_ = -1;
};

struct Outcome {
    bool delivered_after_fault = false;
    std::uint64_t faults = 0;
    bool destroyed = false;
    std::string escaped;  // what() of an exception that reached the loop, if any
};

// A hang must fail the test, not stall it for ctest's five minutes: the scenario runs on its
// own thread and the process ends if it is not back in time.
template <typename Scenario>
Outcome run_with_deadline(Scenario scenario, std::chrono::seconds limit) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    std::thread([&promise, scenario]() mutable { promise.set_value(scenario()); }).detach();
    if (future.wait_for(limit) != std::future_status::ready) {
        // stdout: stderr is being captured into a file at this point.
        std::printf("FAIL: the MQTT link hung (deadlock after a callback fault?)\n");
        std::fflush(stdout);
        std::_Exit(1);
    }
    return future.get();
}

}  // namespace

TEST_CASE("an exception thrown by a message handler is logged; the link goes on and closes") {
    test::TestBroker broker;
    StderrCapture captured;
    log::set_threshold(log::Level::Warning);
    auto outcome = run_with_deadline(
        [port = broker.port()] {
            Outcome out;
            EventLoop loop;
            MqttOptions options;
            options.broker.port = port;
            options.broker.client_id = "gate-under-test";
            options.min_backoff = 100ms;
            auto link = std::make_unique<MqttLink>(loop, options);
            link->on_message([&](std::string_view, std::string_view payload, bool) {
                if (payload == "boom") throw std::bad_alloc();
                if (payload == "after") out.delivered_after_fault = true;
            });
            link->subscribe("test/#", 1);
            (void)link->start();
            test::TestClient sender(port, "sender");
            auto step = [&](const std::function<bool()>& done,
                            std::chrono::milliseconds limit = 5s) {
                try {
                    return test::wait_until(loop, done, limit);
                } catch (const std::exception& e) {
                    out.escaped = e.what();
                    return false;
                }
            };
            if (!step([&] { return link->connected(); }) || !sender.connect()) return out;
            step([] { return false; }, 300ms);  // the SUBACK arrives before anything is sent
            sender.publish("test/x", "boom");
            sender.publish("test/x", "after");
            sender.pump(50ms);
            step([&] { return out.delivered_after_fault; });
            out.faults = link->callback_faults();
            link.reset();
            out.destroyed = true;
            return out;
        },
        30s);
    auto log_text = captured.text();
    captured.restore();
    CHECK(outcome.escaped == "");
    CHECK(outcome.delivered_after_fault);
    CHECK(outcome.faults == 1);
    CHECK(outcome.destroyed);
    CHECK(log_text.find("fault in message callback: std::bad_alloc") != std::string::npos);
}

TEST_CASE("the last will is built afresh before every connection") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    EventLoop loop;
    MqttOptions options;
    options.broker.port = broker.port();
    options.broker.client_id = "gate-with-will";
    options.min_backoff = 100ms;
    options.max_backoff = 200ms;
    MqttLink link(loop, options);
    int connects = 0;
    link.set_will_source([&] {
        ++connects;
        return MqttWill{"test/will", "offline after connect " + std::to_string(connects), true};
    });
    REQUIRE(link.start());
    test::TestClient watcher(broker.port(), "watcher");
    watcher.subscribe("test/will");
    REQUIRE(watcher.connect());
    REQUIRE(test::wait_until(
        loop, [&] { return link.connected(); }, 5s));

    // Another client taking the id over drops the link without a DISCONNECT: the broker
    // publishes its will. The link then reconnects, with a new will.
    auto kick = [&] {
        test::TestClient usurper(broker.port(), "gate-with-will");
        REQUIRE(usurper.connect());
        REQUIRE(test::wait_until(
            loop, [&] { return !link.connected(); }, 5s));
    };
    kick();
    REQUIRE(watcher.wait([&] { return watcher.on("test/will").size() >= 1; }));
    CHECK(watcher.on("test/will")[0].payload == "offline after connect 1");
    REQUIRE(test::wait_until(
        loop, [&] { return link.connected(); }, 5s));
    kick();
    REQUIRE(watcher.wait([&] { return watcher.on("test/will").size() >= 2; }));
    CHECK(watcher.on("test/will")[1].payload == "offline after connect 2");
}

TEST_CASE("a broker name that is slow to resolve does not hold up the loop") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    // The lookup blocks, as getaddrinfo does while a resolver or mDNS times out, until the
    // test lets it answer (or 5 s pass, so a loop that waited on it still ends the test).
    auto answer = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = answer->get_future().share();
    auto holding = std::make_shared<std::atomic<bool>>(false);
    auto asked_for = std::make_shared<std::string>();
    EventLoop loop;
    MqttOptions options;
    options.broker.host = "broker.fablab.example";
    options.broker.port = broker.port();
    options.broker.client_id = "gate-slow-dns";
    options.min_backoff = 100ms;
    options.resolver = [=](const std::string& host, int) -> Result<Addresses> {
        *asked_for = host;
        holding->store(true);
        released.wait_for(5s);
        holding->store(false);
        return Addresses{"127.0.0.1"};
    };
    MqttLink link(loop, options);
    int ticks_while_held = 0;
    auto tick = loop.add_timer(
        10ms, [&] { ticks_while_held += holding->load() ? 1 : 0; }, 10ms);
    REQUIRE(tick != 0);
    REQUIRE(link.start());

    // Badges, interlocks and the watchdog live on this loop: it must keep turning.
    CHECK(test::wait_until(
        loop, [&] { return ticks_while_held >= 5; }, 3s));
    CHECK_FALSE(link.connected());
    answer->set_value();
    CHECK(test::wait_until(
        loop, [&] { return link.connected(); }, 5s));
    CHECK(*asked_for == "broker.fablab.example");
    loop.cancel_timer(tick);
}

TEST_CASE("a broker password file that is a FIFO is refused at start, naming it, not waited on") {
    log::set_threshold(log::Level::Error);
    char dir_template[] = "/tmp/fabgate-secret-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    const std::string fifo = std::string(dir_template) + "/broker.pass";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Run where a hang fails the test instead of holding the suite: opening a FIFO for
    // reading waits for a writer, which this opens (and so releases) if the start still waits.
    auto started = std::async(std::launch::async, [&] {
        EventLoop loop;
        MqttOptions options;
        options.broker.port = 1;
        options.broker.client_id = "gate-fifo";
        options.broker.username = "gate";
        options.broker.password_file = fifo;
        MqttLink link(loop, options);
        return link.start();
    });
    bool answered = started.wait_for(5s) == std::future_status::ready;
    if (!answered) {
        std::ofstream release(fifo);
    }
    auto result = started.get();
    std::filesystem::remove_all(dir_template);
    CHECK(answered);
    REQUIRE_FALSE(result);
    CHECK(result.error().message().find(fifo) != std::string::npos);
    CHECK(result.error().message().find("FIFO") != std::string::npos);
}

// epoll_ctl can refuse a socket (ENOMEM, ENOSPC past fs.epoll.max_user_watches). A socket the
// loop does not follow would leave the link looking connected, or connecting, forever: the
// link must drop it, say so, and connect again.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "captured_stderr.hpp"
#include "mqtt/mqtt_link.hpp"
#include "sys/log.hpp"
#include "test_support.hpp"

using namespace fabgate;
using namespace std::chrono_literals;

namespace {

// The loop's own watch, except for the calls it is told to refuse.
class FailingWatcher : public SocketWatcher {
  public:
    explicit FailingWatcher(EventLoop& loop) : loop_(loop) {}
    Status watch(int fd, std::uint32_t events, EventLoop::FdHandler handler) override {
        ++watches;
        if (refuse_watches > 0) {
            --refuse_watches;
            return fail("event loop", "cannot watch fd " + std::to_string(fd) + ": no memory");
        }
        return loop_.watch(fd, events, std::move(handler));
    }
    Status modify(int fd, std::uint32_t events) override {
        if (refuse_modifies > 0) {
            --refuse_modifies;
            return fail("event loop", "cannot modify fd " + std::to_string(fd) + ": no memory");
        }
        return loop_.modify(fd, events);
    }
    void unwatch(int fd) override { loop_.unwatch(fd); }

    int refuse_watches = 0;
    int refuse_modifies = 0;
    int watches = 0;

  private:
    EventLoop& loop_;
};

MqttOptions options_for(const test::TestBroker& broker, SocketWatcher& watcher) {
    MqttOptions options;
    options.broker.port = broker.port();
    options.broker.client_id = "gate-under-test";
    options.min_backoff = 50ms;
    options.max_backoff = 100ms;
    options.socket_watcher = &watcher;
    return options;
}

}  // namespace

TEST_CASE("a socket the loop refuses to watch is dropped, and a later attempt connects") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    EventLoop loop;
    FailingWatcher watcher(loop);
    watcher.refuse_watches = 2;
    MqttLink link(loop, options_for(broker, watcher));
    int connects = 0;
    link.on_connected([&] { ++connects; });

    bool came_up = false;
    auto log = test::captured_stderr([&] {
        REQUIRE(link.start());
        came_up = test::wait_until(
            loop, [&] { return link.connected(); }, 5s);
    });
    CHECK(came_up);
    CHECK(connects == 1);
    CHECK(watcher.refuse_watches == 0);
    CHECK(watcher.watches == 3);  // two refused, the third followed
    CHECK(log.find("cannot watch fd") != std::string::npos);
    CHECK(log.find("reconnecting") != std::string::npos);
}

TEST_CASE("a socket whose watch cannot change counts as a lost connection; the link comes back") {
    test::TestBroker broker;
    log::set_threshold(log::Level::Error);
    EventLoop loop;
    FailingWatcher watcher(loop);
    MqttLink link(loop, options_for(broker, watcher));
    int connects = 0, disconnects = 0;
    std::string heard;
    // The SUBSCRIBE queued on connection makes the link ask for write readiness: with the
    // first connection, that change is refused.
    link.subscribe("test/#", 1);
    link.on_connected([&] {
        if (++connects == 1) watcher.refuse_modifies = 1;
    });
    link.on_disconnected([&] { ++disconnects; });
    link.on_message([&](std::string_view, std::string_view payload, bool) { heard = payload; });

    bool back = false;
    auto log = test::captured_stderr([&] {
        REQUIRE(link.start());
        back = test::wait_until(
            loop, [&] { return connects == 2 && link.connected(); }, 5s);
    });
    REQUIRE(back);
    CHECK(disconnects == 1);
    CHECK(watcher.refuse_modifies == 0);
    CHECK(log.find("cannot modify fd") != std::string::npos);

    // The second connection renewed the subscription: messages flow again. Retained, so it
    // arrives whether the broker handles the SUBSCRIBE before or after it.
    test::TestClient sender(broker.port(), "sender");
    REQUIRE(sender.connect());
    REQUIRE(sender.publish("test/x", "after the reconnect", true));
    CHECK(test::wait_until(
        loop, [&] { return heard == "after the reconnect"; }, 5s));
    CHECK(link.connected());
}

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dirent.h>

#include <doctest/doctest.h>

#include "loop/event_loop.hpp"

using namespace fabgate;
using namespace std::chrono_literals;

namespace {
int open_fds() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n;
}
}  // namespace

TEST_CASE("a watched fd's handler runs when it becomes readable, and not after unwatch") {
    EventLoop loop;
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int calls = 0;
    REQUIRE(loop.watch(sv[0], EPOLLIN, [&](std::uint32_t) {
        char c;
        (void)read(sv[0], &c, 1);
        ++calls;
    }));
    loop.run_once(0);
    CHECK(calls == 0);
    REQUIRE(write(sv[1], "x", 1) == 1);
    loop.run_once(100);
    CHECK(calls == 1);
    loop.unwatch(sv[0]);
    REQUIRE(write(sv[1], "x", 1) == 1);
    loop.run_once(20);
    CHECK(calls == 1);
    close(sv[0]);
    close(sv[1]);
}

TEST_CASE("one-shot timers fire once and give back their file descriptor") {
    EventLoop loop;
    int before = open_fds();
    int fired = 0;
    loop.add_oneshot(1ms, [&] { ++fired; });
    loop.add_oneshot(2ms, [&] { ++fired; });
    CHECK(open_fds() == before + 2);
    for (int i = 0; i < 10 && fired < 2; ++i) loop.run_once(50);
    CHECK(fired == 2);
    loop.run_once(20);
    CHECK(fired == 2);
    CHECK(open_fds() == before);
}

TEST_CASE("a timer can be disarmed and re-armed; a disarmed timer never wakes the loop") {
    EventLoop loop;
    int fired = 0;
    auto id = loop.add_timer(1h, [&] { ++fired; });
    CHECK(loop.rearm(id, 0ms));
    auto wakeups = loop.wakeups();
    loop.run_once(30);
    CHECK(loop.wakeups() == wakeups);
    CHECK(loop.rearm(id, 1ms));
    loop.run_once(100);
    CHECK(fired == 1);
    loop.cancel_timer(id);
    CHECK_FALSE(loop.rearm(id, 1ms));
}

TEST_CASE("repeating timers repeat") {
    EventLoop loop;
    int fired = 0;
    loop.add_timer(
        1ms, [&] { ++fired; }, 1ms);
    for (int i = 0; i < 50 && fired < 3; ++i) loop.run_once(20);
    CHECK(fired >= 3);
}

TEST_CASE("signals arrive as loop events, and stop() ends run() with its code") {
    EventLoop loop;
    REQUIRE(loop.on_signal(SIGUSR1, [&] { loop.stop(7); }));
    kill(getpid(), SIGUSR1);
    CHECK(loop.run() == 7);
}

TEST_CASE("a handler may unwatch itself") {
    EventLoop loop;
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int calls = 0;
    REQUIRE(loop.watch(sv[0], EPOLLIN, [&](std::uint32_t) {
        ++calls;
        loop.unwatch(sv[0]);
    }));
    REQUIRE(write(sv[1], "xy", 2) == 2);
    loop.run_once(50);
    loop.run_once(20);
    CHECK(calls == 1);
    close(sv[0]);
    close(sv[1]);
}

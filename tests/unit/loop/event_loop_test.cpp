#include <signal.h>
#include <sys/resource.h>
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
        if (read(sv[0], &c, 1) == 1) ++calls;
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
    CHECK(loop.disarm(id));
    auto wakeups = loop.wakeups();
    loop.run_once(30);
    CHECK(loop.wakeups() == wakeups);
    CHECK(loop.arm(id, 1ms));
    loop.run_once(100);
    CHECK(fired == 1);
    loop.cancel_timer(id);
    CHECK_FALSE(loop.arm(id, 1ms));
    CHECK_FALSE(loop.disarm(id));
}

TEST_CASE("a zero delay means due now, whether the timer is added or re-armed") {
    EventLoop loop;
    int added = 0;
    int rearmed = 0;
    loop.add_timer(0ms, [&] { ++added; });
    auto id = loop.add_timer(1h, [&] { ++rearmed; });
    CHECK(loop.arm(id, 0ms));
    CHECK(added == 0);  // never inside the call: in the next round
    CHECK(rearmed == 0);
    for (int i = 0; i < 10 && (added == 0 || rearmed == 0); ++i) loop.run_once(50);
    CHECK(added == 1);
    CHECK(rearmed == 1);
    CHECK(loop.arm(id, -5ms));  // a deadline already past is due now too
    loop.run_once(50);
    CHECK(rearmed == 2);
}

TEST_CASE("an fd closed and its number reused within one round gets no stale event") {
    EventLoop loop;
    int a[2], b[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
    int fresh_calls = 0;
    int fresh_peer = -1;
    bool swapped = false;
    // Whichever of a[0], b[0] runs first closes the other and watches a new, silent socket
    // under the same fd number. The closed fd's event of this round must not reach it.
    auto swap_other = [&](int other) {
        if (swapped) return;
        swapped = true;
        loop.unwatch(other);
        int fresh[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fresh) == 0);
        REQUIRE(dup2(fresh[0], other) == other);  // closes the old file, reuses its number
        close(fresh[0]);
        REQUIRE(loop.watch(other, EPOLLIN, [&](std::uint32_t) { ++fresh_calls; }));
        fresh_peer = fresh[1];  // kept open: the new socket stays silent
    };
    REQUIRE(loop.watch(a[0], EPOLLIN, [&](std::uint32_t) { swap_other(b[0]); }));
    REQUIRE(loop.watch(b[0], EPOLLIN, [&](std::uint32_t) { swap_other(a[0]); }));
    REQUIRE(write(a[1], "x", 1) == 1);
    REQUIRE(write(b[1], "x", 1) == 1);
    loop.run_once(100);
    CHECK(swapped);
    CHECK(fresh_calls == 0);
    for (int fd : {a[0], a[1], b[0], b[1], fresh_peer}) {
        loop.unwatch(fd);
        close(fd);
    }
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

TEST_CASE("a timer that cannot be created is reported as id 0, not handed out") {
    EventLoop loop;
    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit tight = saved;
    int lowest_free = dup(0);  // every number below it is taken
    REQUIRE(lowest_free >= 0);
    close(lowest_free);
    tight.rlim_cur = static_cast<rlim_t>(lowest_free);  // so no fd number is left to give
    REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);
    auto timer = loop.add_timer(1ms, [] {});
    auto oneshot = loop.add_oneshot(1ms, [] {});
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    CHECK(timer == 0);
    CHECK(oneshot == 0);
    CHECK_FALSE(loop.arm(0, 1ms));
}

// daemon/sys/notify.cpp against a Unix datagram socket standing in for systemd's NOTIFY_SOCKET.
#include "sys/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace fabgate;

namespace {

// What systemd's manager would see: one datagram per sd_notify call.
class FakeNotifySocket {
  public:
    FakeNotifySocket() {
        char dir_template[] = "/tmp/fabgate-notify-XXXXXX";
        REQUIRE(mkdtemp(dir_template));
        dir_ = dir_template;
        path_ = dir_ + "/notify";
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
        setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    }
    ~FakeNotifySocket() {
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
        close(fd_);
        unlink(path_.c_str());
        rmdir(dir_.c_str());
    }
    int fd() const { return fd_; }
    // Every datagram waiting, without blocking.
    std::vector<std::string> drain() {
        std::vector<std::string> out;
        char buf[4096];
        for (;;) {
            auto n = recv(fd_, buf, sizeof buf, 0);
            if (n < 0) break;
            out.emplace_back(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

  private:
    std::string dir_, path_;
    int fd_ = -1;
};

}  // namespace

#ifdef FABGATE_HAVE_SYSTEMD

TEST_CASE("READY=1 with the status line reaches the notify socket") {
    FakeNotifySocket systemd;
    notify::ready("relay off, waiting for badges");
    auto got = systemd.drain();
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "READY=1\nSTATUS=relay off, waiting for badges");
    notify::stopping();
    CHECK(systemd.drain() == std::vector<std::string>{"STOPPING=1"});
}

TEST_CASE("the loop feeds the watchdog at half of WATCHDOG_USEC, and only while it runs") {
    FakeNotifySocket systemd;
    setenv("WATCHDOG_USEC", "40000", 1);  // 40 ms: fed every 20 ms
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
    EventLoop loop;
    notify::start_watchdog(loop);

    int pings = 0;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::seconds(5);
    while (pings < 5 && std::chrono::steady_clock::now() < deadline) {
        loop.run_once(50);
        for (const auto& m : systemd.drain()) {
            CHECK(m == "WATCHDOG=1");
            ++pings;
        }
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(pings == 5);
    // A timer firing too often would hide a hung loop for less time; never faster than the period.
    // (Four periods: the first may fire a hair early relative to `start` under emulation.)
    CHECK(elapsed >= std::chrono::milliseconds(4 * 20));
    // A loop that stops turning stops feeding: nothing arrives without run_once.
    CHECK(systemd.drain().empty());
}

TEST_CASE("no watchdog timer when systemd did not ask for one") {
    FakeNotifySocket systemd;
    unsetenv("WATCHDOG_USEC");
    EventLoop loop;
    notify::start_watchdog(loop);
    for (int i = 0; i < 5; ++i) loop.run_once(10);
    CHECK(systemd.drain().empty());
}

TEST_CASE("the watchdog is left alone when WATCHDOG_PID names another process") {
    FakeNotifySocket systemd;
    setenv("WATCHDOG_USEC", "20000", 1);
    setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
    EventLoop loop;
    notify::start_watchdog(loop);
    for (int i = 0; i < 5; ++i) loop.run_once(10);
    CHECK(systemd.drain().empty());
}

#endif

TEST_CASE("without NOTIFY_SOCKET every call does nothing and does not fail") {
    // A socket is there, but the environment no longer names it (a daemon started by hand
    // after systemd's variables were cleared): nothing may reach it, watchdog included.
    FakeNotifySocket systemd;
    unsetenv("NOTIFY_SOCKET");
    setenv("WATCHDOG_USEC", "20000", 1);
    EventLoop loop;
    notify::ready("x");
    notify::status("y");
    notify::stopping();
    notify::start_watchdog(loop);
    for (int i = 0; i < 5; ++i) loop.run_once(10);
    CHECK_FALSE(loop.stopping());
    CHECK(systemd.drain().empty());
}

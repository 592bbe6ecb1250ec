// The life the gate and the ledger share under systemd: which signal does what, and the exit
// codes systemd and the unit's restart policy see.
#include <doctest/doctest.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "service.hpp"

using namespace fabgate;

namespace {

// Records what the service was asked to do, in order.
struct Recorder {
    std::vector<std::string> calls;

    Service service(EventLoop& loop, Status start_result) {
        return {.log_area = "test",
                .ready_status = "testing",
                .start =
                    [this, start_result] {
                        calls.push_back("start");
                        return start_result;
                    },
                .shutdown =
                    [this, &loop] {
                        calls.push_back("shutdown");
                        loop.stop(3);
                    },
                .reload = [this] { calls.push_back("reload"); },
                .after_stop = [this] { calls.push_back("after_stop"); }};
    }
};

}  // namespace

TEST_CASE("a failed start exits 1 without running the loop or what follows it") {
    EventLoop loop;
    Recorder r;
    CHECK(run_service(loop, r.service(loop, fail("database", "cannot be opened"))) == 1);
    CHECK(r.calls == std::vector<std::string>{"start"});
}

TEST_CASE("SIGHUP reloads, SIGTERM shuts down; the loop's code is the exit code") {
    EventLoop loop;
    Recorder r;
    loop.add_timer(std::chrono::milliseconds(0), [] {
        std::raise(SIGHUP);
        std::raise(SIGTERM);
    });
    CHECK(run_service(loop, r.service(loop, Status{})) == 3);
    CHECK(r.calls == std::vector<std::string>{"start", "reload", "shutdown", "after_stop"});
}

TEST_CASE("an exception escaping a daemon's life is exit 70; a normal end keeps its code") {
    CHECK(run_guarded("test", []() -> int { throw std::runtime_error("impossible"); }) == 70);
    CHECK(run_guarded("test", [] { return 4; }) == 4);
}

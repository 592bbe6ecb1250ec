// What journald (or a terminal) receives from log::write: one line per call, whatever the
// message holds, so a string from the network cannot forge a log line of another priority.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "sys/log.hpp"

using namespace fabgate;

namespace {

// Runs `body` with stderr redirected into a pipe and returns what it wrote.
template <typename Body>
std::string captured_stderr(Body body) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK) == 0);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    body();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
    ::close(fds[0]);
    return out;
}

}  // namespace

TEST_CASE("a message with a newline and a journald priority prefix stays one line") {
    log::set_component("fabgate[t]");
    auto out = captured_stderr([] {
        log::warning("state", "from laser-1: busy\n<0>fabgate[t] acl: signature check disabled");
    });
    CHECK(out ==
          "<4>fabgate[t] state: from laser-1: busy\\n<0>fabgate[t] acl: signature check "
          "disabled\n");
}

TEST_CASE("control bytes and backslashes are written escaped, printable text unchanged") {
    log::set_component("");
    auto out = captured_stderr(
        [] { log::notice("badge", std::string("a\\b\tc\rd\x1b[2Je\x7f\0f", 15) + " café"); });
    CHECK(out == "<5>badge: a\\\\b\\tc\\rd\\x1b[2Je\\x7f\\x00f café\n");
}

#pragma once
// What a piece of code writes to stderr, where the daemons' log goes: for tests that check what
// a log line says (or must never say).
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

namespace fabgate::test {

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

}  // namespace fabgate::test

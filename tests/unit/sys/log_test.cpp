// What journald (or a terminal) receives from log::write: one line per call, whatever the
// message holds, so a string from the network cannot forge a log line of another priority.
#include <string>

#include <doctest/doctest.h>

#include "captured_stderr.hpp"
#include "sys/log.hpp"

using namespace fabgate;

using fabgate::test::captured_stderr;

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

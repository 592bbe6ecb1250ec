#include <doctest/doctest.h>

#include "gpio/debouncer.hpp"

using fabgate::gpio::Debouncer;

TEST_CASE("a clean change is reported once the window has passed, not before") {
    Debouncer d(20);
    d.reset(false);
    d.edge(true, 1000);
    REQUIRE(d.next_deadline() == 1020);
    CHECK_FALSE(d.settle(1019, true).has_value());
    CHECK(d.settle(1020, true) == true);
    CHECK(d.settled());
    CHECK_FALSE(d.next_deadline().has_value());
    CHECK_FALSE(d.settle(1100, true).has_value());  // reported once
}

TEST_CASE("contact bounce is swallowed and the final level reported once") {
    Debouncer d(20);
    d.reset(false);
    d.edge(true, 1000);
    d.edge(false, 1002);
    d.edge(true, 1005);
    d.edge(false, 1007);
    d.edge(true, 1011);
    CHECK(d.next_deadline() == 1031);  // the window restarts at every edge
    CHECK_FALSE(d.settle(1020, true).has_value());
    CHECK(d.settle(1031, true) == true);
}

TEST_CASE("a glitch that returns to the settled level reports nothing") {
    Debouncer d(20);
    d.reset(true);
    d.edge(false, 1000);
    d.edge(true, 1003);
    CHECK_FALSE(d.settle(1023, true).has_value());
    CHECK(d.settled());
    CHECK_FALSE(d.next_deadline().has_value());
}

TEST_CASE("a level read that contradicts the last edge restarts the window (lost edges)") {
    Debouncer d(20);
    d.reset(false);
    d.edge(true, 1000);
    // The kernel queue overflowed and the falling edge never arrived: the line reads low.
    CHECK_FALSE(d.settle(1020, false).has_value());
    CHECK(d.next_deadline() == 1040);
    CHECK_FALSE(d.settle(1040, false).has_value());  // back at the settled level: nothing
    CHECK_FALSE(d.settled());
}

TEST_CASE("a change seen only by reading is still reported after a full window") {
    Debouncer d(20);
    d.reset(false);
    CHECK_FALSE(d.settle(1000, true).has_value());
    CHECK(d.next_deadline() == 1020);
    CHECK(d.settle(1020, true) == true);
}

TEST_CASE("a zero window reports each edge at once") {
    Debouncer d(0);
    d.reset(false);
    d.edge(true, 1000);
    CHECK(d.settle(1000, true) == true);
    d.edge(false, 1001);
    CHECK(d.settle(1001, false) == false);
}

#include <doctest/doctest.h>

#include "readers/repeat_suppressor.hpp"

using fabgate::FakeClock;
using fabgate::Uid;
using fabgate::readers::RepeatSuppressor;

namespace {
Uid uid(const char* hex) {
    return *Uid::parse(hex);
}
}  // namespace

TEST_CASE("repeat: a card held on an RDM6300 (a frame every 100 ms) is one presentation") {
    FakeClock clock;
    RepeatSuppressor s(1500);
    CHECK(s.seen(uid("62E3086CED"), clock.monotonic()).presented);
    int presented = 0;
    // 10 s of repeats: each one is within the window of the LAST sighting, not the first.
    for (int i = 0; i < 100; ++i) {
        clock.advance(100);
        CHECK_FALSE(s.expire(clock.monotonic()));
        if (s.seen(uid("62E3086CED"), clock.monotonic()).presented) ++presented;
    }
    CHECK(presented == 0);
}

TEST_CASE("repeat: frames stopping for longer than the window mean the card left") {
    FakeClock clock;
    RepeatSuppressor s(1500);
    s.seen(uid("62E3086CED"), clock.monotonic());
    REQUIRE(s.next_deadline() == clock.monotonic() + 1501);
    clock.advance(1500);
    CHECK_FALSE(s.expire(clock.monotonic()));  // exactly the window: still the same presentation
    clock.advance(1);
    CHECK(s.expire(clock.monotonic()));
    CHECK_FALSE(s.expire(clock.monotonic()));  // reported once
    CHECK_FALSE(s.next_deadline().has_value());
    // Presented again afterwards: a new presentation.
    CHECK(s.seen(uid("62E3086CED"), clock.monotonic()).presented);
}

TEST_CASE("repeat: a late sighting after the window is a new presentation even without expire()") {
    FakeClock clock;
    RepeatSuppressor s(1500);
    s.seen(uid("62E3086CED"), clock.monotonic());
    clock.advance(5000);
    auto again = s.seen(uid("62E3086CED"), clock.monotonic());
    CHECK(again.previous_removed);
    CHECK(again.presented);
}

TEST_CASE("repeat: a different card replaces the one in the field") {
    FakeClock clock;
    RepeatSuppressor s(1500);
    s.seen(uid("62E3086CED"), clock.monotonic());
    clock.advance(200);
    auto other = s.seen(uid("0A00C4B2D3"), clock.monotonic());
    CHECK(other.previous_removed);
    CHECK(other.presented);
    CHECK(s.current() == uid("0A00C4B2D3"));
}

TEST_CASE("repeat: a zero window makes every sighting at a later time a presentation") {
    FakeClock clock;
    RepeatSuppressor s(0);
    CHECK(s.seen(uid("01020304"), clock.monotonic()).presented);
    clock.advance(1);
    CHECK(s.seen(uid("01020304"), clock.monotonic()).presented);
}

TEST_CASE("repeat: clear() reports whether a card was there") {
    FakeClock clock;
    RepeatSuppressor s(1500);
    CHECK_FALSE(s.clear());
    s.seen(uid("01020304"), clock.monotonic());
    CHECK(s.clear());
    CHECK_FALSE(s.current().has_value());
}

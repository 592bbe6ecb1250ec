// The record of missing lines on its own: what the gate is told, and when it must keep the
// relay off.
#include "gpio/line_supervisor.hpp"

#include <doctest/doctest.h>

#include "recording_events.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using Log = std::vector<std::string>;

TEST_CASE("a lost LED degrades the gate; a lost relay or input line keeps the relay off") {
    testing::RecordingEvents events;
    LineSupervisor lines(events, std::chrono::milliseconds(2000));
    lines.mark_fault("led_ready", "chip gone");
    CHECK_FALSE(lines.safety_fault());
    lines.mark_fault("interlock-lid", "chip gone");
    CHECK(lines.safety_fault());
    CHECK(events.take() == Log{"fault indicator:led_ready on", "fault gpio:interlock-lid on"});
    lines.clear_fault("interlock-lid");
    CHECK_FALSE(lines.safety_fault());
    CHECK(events.take() == Log{"fault gpio:interlock-lid off"});
}

TEST_CASE("a line that keeps failing is reported lost once, and back once") {
    testing::RecordingEvents events;
    LineSupervisor lines(events, std::chrono::milliseconds(2000));
    lines.mark_fault("relay", "busy");
    lines.mark_fault("relay", "still busy");
    lines.clear_fault("relay");
    lines.clear_fault("relay");
    CHECK(events.take() == Log{"fault gpio:relay on", "fault gpio:relay off"});
}

TEST_CASE("missing lines are asked for again every retry interval until they are back") {
    testing::RecordingEvents events;
    LineSupervisor lines(events, std::chrono::milliseconds(2000));
    lines.mark_fault("busy", "chip gone");
    lines.retry_from(1000);
    lines.retry_from(2500);  // a second loss does not push the retry back
    CHECK_FALSE(lines.take_due_retry(2999));
    CHECK(lines.take_due_retry(3000));
    CHECK_FALSE(lines.next_retry());
    lines.retry_again_if_missing(3000);
    CHECK(lines.next_retry() == MonoMs{5000});
    lines.clear_fault("busy");
    CHECK(lines.take_due_retry(5000));
    lines.retry_again_if_missing(5000);
    CHECK_FALSE(lines.next_retry());
}

#include <doctest/doctest.h>

#include "gpio/wiegand_feed.hpp"
#include "recording_events.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using fabgate::gpio::testing::RecordingEvents;
using fabgate::gpio::testing::wiegand_frame;

namespace {

// Splits a frame into the D0 and D1 events a reader would cause, 2 ms apart from `t_ms`.
void split(const std::string& bits, MonoMs t_ms, std::vector<LineEvent>& d0,
           std::vector<LineEvent>& d1) {
    for (char c : bits) {
        (c == '1' ? d1 : d0).push_back({false, t_ms * 1'000'000});
        t_ms += 2;
    }
}

}  // namespace

TEST_CASE("pulses from two lines are merged in time order whichever line is read first") {
    std::vector<LineEvent> d0{{false, 1'000'000}, {false, 5'000'000}};
    std::vector<LineEvent> d1{{false, 3'000'000}, {false, 3'000'500}};
    auto merged = merge_pulses(d0, d1);
    REQUIRE(merged.size() == 4);
    CHECK(merged[0].bit == 0);
    CHECK(merged[1].bit == 1);
    CHECK(merged[2].bit == 1);
    CHECK(merged[3].bit == 0);
    CHECK(merged[0].t == 1);
    CHECK(merged[3].t == 5);
}

TEST_CASE("a 26-bit frame on D0/D1 becomes one badge, reported once the pulses stop") {
    RecordingEvents events;
    WiegandFeed feed(events, 1500);
    std::vector<LineEvent> d0, d1;
    split(wiegand_frame(0x123456, 24), 1000, d0, d1);
    feed.pulses(merge_pulses(d0, d1));
    CHECK(events.log.empty());
    auto deadline = feed.next_deadline();
    REQUIRE(deadline.has_value());
    feed.service(*deadline - 1);
    CHECK(events.log.empty());
    feed.service(*deadline);
    CHECK(events.take() == std::vector<std::string>{"badge 123456"});
}

TEST_CASE("a reader repeating the frame while the card is held gives one presentation") {
    RecordingEvents events;
    WiegandFeed feed(events, 1500);
    MonoMs t = 1000;
    for (int i = 0; i < 3; ++i) {
        std::vector<LineEvent> d0, d1;
        split(wiegand_frame(0x04A1B2C3, 32), t, d0, d1);
        feed.pulses(merge_pulses(d0, d1));
        feed.service(*feed.next_deadline());
        t += 300;
    }
    CHECK(events.take() == std::vector<std::string>{"badge 04A1B2C3"});
    std::vector<LineEvent> d0, d1;
    split(wiegand_frame(0x04A1B2C3, 32), t + 5000, d0, d1);  // presented again later
    feed.pulses(merge_pulses(d0, d1));
    feed.service(*feed.next_deadline());
    CHECK(events.take() == std::vector<std::string>{"badge 04A1B2C3"});
}

TEST_CASE("noise and a frame cut by a reset give no badge") {
    RecordingEvents events;
    WiegandFeed feed(events, 1500);
    std::vector<LineEvent> d0, d1;
    split("0101", 1000, d0, d1);  // a glitch on the wires
    feed.pulses(merge_pulses(d0, d1));
    feed.service(*feed.next_deadline());
    d0.clear();
    d1.clear();
    split(wiegand_frame(0x123456, 24).substr(0, 13), 2000, d0, d1);
    feed.pulses(merge_pulses(d0, d1));
    feed.reset();  // the lines were lost mid-frame
    d0.clear();
    d1.clear();
    split(wiegand_frame(0x123456, 24).substr(13), 2030, d0, d1);
    feed.pulses(merge_pulses(d0, d1));
    feed.service(*feed.next_deadline());
    CHECK(events.log.empty());
    readers::DropCounts drops;
    feed.add_drop_counts(drops);
    CHECK(drops["wiegand.bad_length"] == 2);
}

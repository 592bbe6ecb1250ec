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

// Runs the feed's timer until nothing is due: every pulse settled, the frame closed.
void run_timer(WiegandFeed& feed) {
    while (auto deadline = feed.next_deadline()) feed.service(*deadline);
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
    const MonoMs last_pulse = 1000 + 25 * 2;
    const MonoMs reported =
        last_pulse + readers::WiegandAssembler::kDefaultGapMs + 1 + WiegandFeed::kSettleMs;
    feed.service(reported - 1);
    CHECK(events.log.empty());
    CHECK(feed.next_deadline() == reported);
    feed.service(reported);
    CHECK(events.take() == std::vector<std::string>{"badge 123456"});
    CHECK_FALSE(feed.next_deadline().has_value());  // nothing left: no more wake-ups
}

TEST_CASE("a reader repeating the frame while the card is held gives one presentation") {
    RecordingEvents events;
    WiegandFeed feed(events, 1500);
    MonoMs t = 1000;
    for (int i = 0; i < 3; ++i) {
        std::vector<LineEvent> d0, d1;
        split(wiegand_frame(0x04A1B2C3, 32), t, d0, d1);
        feed.pulses(merge_pulses(d0, d1));
        run_timer(feed);
        t += 300;
    }
    CHECK(events.take() == std::vector<std::string>{"badge 04A1B2C3"});
    std::vector<LineEvent> d0, d1;
    split(wiegand_frame(0x04A1B2C3, 32), t + 5000, d0, d1);  // presented again later
    feed.pulses(merge_pulses(d0, d1));
    run_timer(feed);
    CHECK(events.take() == std::vector<std::string>{"badge 04A1B2C3"});
}

TEST_CASE("noise and a frame cut by a reset give no badge") {
    RecordingEvents events;
    WiegandFeed feed(events, 1500);
    std::vector<LineEvent> d0, d1;
    split("0101", 1000, d0, d1);  // a glitch on the wires
    feed.pulses(merge_pulses(d0, d1));
    run_timer(feed);
    d0.clear();
    d1.clear();
    split(wiegand_frame(0x123456, 24).substr(0, 13), 2000, d0, d1);
    feed.pulses(merge_pulses(d0, d1));
    feed.reset();  // the lines were lost mid-frame
    d0.clear();
    d1.clear();
    split(wiegand_frame(0x123456, 24).substr(13), 2030, d0, d1);
    feed.pulses(merge_pulses(d0, d1));
    run_timer(feed);
    CHECK(events.log.empty());
    readers::DropCounts drops;
    feed.drops().add_to(drops);
    CHECK(drops["wiegand.bad_length"] == 2);
}

TEST_CASE("a D0 pulse read after later D1 pulses still takes its place in the frame") {
    RecordingEvents events;
    WiegandFeed feed(events, 1500);
    std::vector<LineEvent> d0, d1;
    split(wiegand_frame(0x2A1234, 24), 1000, d0, d1);
    // The loop read D0, then D1; the D0 pulse between them was queued after D0's read.
    std::vector<LineEvent> d0_late{d0.back()};
    d0.pop_back();
    feed.pulses(merge_pulses(d0, d1));
    feed.service(d1.back().timestamp_ns / 1'000'000 + 1);
    feed.pulses(merge_pulses(d0_late, {}));
    run_timer(feed);
    CHECK(events.take() == std::vector<std::string>{"badge 2A1234"});
}

TEST_CASE("pulses within one millisecond keep their kernel order across reads") {
    RecordingEvents events;
    WiegandFeed feed(events, 0);
    std::vector<LineEvent> d0, d1;
    // 26 pulses 600 us apart: several pairs share a millisecond.
    const std::string bits = wiegand_frame(0x2A1234, 24);
    for (std::size_t i = 0; i < bits.size(); ++i)
        (bits[i] == '1' ? d1 : d0).push_back({false, 1'000'000'000 + std::int64_t(i) * 600'000});
    feed.pulses(merge_pulses({}, d1));  // D1 drained first, D0 on the next round
    feed.pulses(merge_pulses(d0, {}));
    run_timer(feed);
    CHECK(events.take() == std::vector<std::string>{"badge 2A1234"});
}

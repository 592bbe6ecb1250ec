// A Wiegand reader's D0 and D1 lines on their own: a whole frame is a badge, half a frame is
// never one, and a lost data line is handed over as lost.
#include "gpio/wiegand_lines.hpp"

#include <doctest/doctest.h>

#include <optional>

#include "gate_rig.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

using Log = std::vector<std::string>;

// D0 on gpiochip0 line 23, D1 on gpiochip1 line 24: each can be lost alone.
struct Reader : BankParts {
    std::vector<std::string> lost;
    std::optional<WiegandLines> wiegand;
    std::string bits = wiegand_frame(0x123456, 24);
    MonoMs t = now();

    Reader() {
        // What the gate does with a lost line: release it (the bank drops the partial frame)
        // and mark it missing.
        wiegand.emplace(
            loop, backend, lines, events, clock, input(23, 0), input(24, 0, "gpiochip1"), 0,
            [this](const std::string& role, const std::string& why) {
                lost.push_back(role);
                wiegand->release(role);
                lines.mark_fault(role, why);
            },
            [] {});
        wiegand->acquire_missing();
    }
    void send(std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            world->pulse(bits[i] == '1' ? "gpiochip1:24" : "gpiochip0:23", t);
            t += 2;
        }
        clock.advance(t - now());
        pump();
    }
    // Long after the pulses stopped: the frame is over.
    void frame_gap() {
        clock.advance(100);
        wiegand->service(now());
        t = now();
    }
};

}  // namespace

TEST_CASE("a whole frame on D0 and D1 is one badge") {
    Reader reader;
    reader.send(0, reader.bits.size());
    CHECK(reader.events.log.empty());  // not over until the pulses stop
    reader.frame_gap();
    CHECK(reader.events.take() == Log{"badge 123456"});
}

TEST_CASE("a data line lost mid-frame drops the partial frame and is reported") {
    Reader reader;
    reader.send(0, 13);
    reader.world->unplug("gpiochip1");
    reader.pump();
    CHECK(reader.lost == std::vector<std::string>{"wiegand_d1"});
    CHECK(reader.events.take() == Log{"fault gpio:wiegand_d1 on"});
    CHECK(reader.wiegand->missing());

    // D1 is back before the pulses stop: the frame's second half is not glued to its first.
    reader.world->plug("gpiochip1");
    reader.wiegand->acquire_missing();
    reader.send(13, reader.bits.size());
    reader.frame_gap();
    CHECK(reader.events.take() == Log{"fault gpio:wiegand_d1 off"});

    reader.send(0, reader.bits.size());  // the next swipe reads
    reader.frame_gap();
    CHECK(reader.events.take() == Log{"badge 123456"});
}

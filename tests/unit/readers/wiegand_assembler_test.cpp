#include <doctest/doctest.h>

#include <bit>
#include <string>

#include "readers/wiegand_assembler.hpp"
#include "reported_drops.hpp"

using fabgate::MonoMs;
using fabgate::readers::WiegandAssembler;
using Drop = WiegandAssembler::Drop;

namespace {

// Bits as a reader sends them, with correct parity around `data_bits` of data.
std::string frame(std::uint64_t data, int data_bits) {
    int half = data_bits / 2;
    std::uint64_t first = data >> half;
    std::uint64_t second = data & ((std::uint64_t{1} << half) - 1);
    std::string bits = std::popcount(first) % 2 ? "1" : "0";  // makes the first half even
    for (int i = data_bits - 1; i >= 0; --i) bits += (data >> i) & 1 ? '1' : '0';
    bits += std::popcount(second) % 2 ? "0" : "1";  // makes the second half odd
    return bits;
}

// Feeds the bits 2 ms apart from `t`; returns the time of the last bit.
MonoMs send(WiegandAssembler& w, const std::string& bits, MonoMs t) {
    for (char c : bits) {
        CHECK_FALSE(w.bit(c == '1' ? 1 : 0, t).has_value());
        t += 2;
    }
    return t - 2;
}

}  // namespace

TEST_CASE("wiegand: a known 26-bit frame gives facility and card as 3 bytes") {
    // Facility 0x12, card 0x3456: E=0 (0x123 has 4 ones), O=0 (0x456 has 5 ones).
    const std::string bits =
        "0"
        "000100100011"
        "010001010110"
        "0";
    REQUIRE(bits == frame(0x123456, 24));
    WiegandAssembler w;
    MonoMs last = send(w, bits, 1000);
    CHECK_FALSE(w.close_if_idle(last + 25).has_value());  // not idle for longer than the gap yet
    REQUIRE(w.next_deadline() == last + 26);
    auto uid = w.close_if_idle(last + 26);
    REQUIRE(uid.has_value());
    CHECK(uid->hex() == "123456");
    CHECK_FALSE(w.next_deadline().has_value());
}

TEST_CASE("wiegand: a 34-bit frame gives 4 bytes") {
    WiegandAssembler w;
    MonoMs last = send(w, frame(0x04A1B2C3, 32), 0);
    auto uid = w.close_if_idle(last + 100);
    REQUIRE(uid.has_value());
    CHECK(uid->hex() == "04A1B2C3");
}

TEST_CASE("wiegand: a parity error in either half is dropped and counted") {
    for (std::size_t flip : {std::size_t{0}, std::size_t{5}, std::size_t{20}, std::size_t{25}}) {
        CAPTURE(flip);
        auto bits = frame(0x123456, 24);
        bits[flip] = bits[flip] == '1' ? '0' : '1';
        WiegandAssembler w;
        MonoMs last = send(w, bits, 0);
        CHECK_FALSE(w.close_if_idle(last + 100).has_value());
        CHECK(w.drops()[Drop::Parity] == 1);
    }
}

TEST_CASE("wiegand: wrong bit counts are dropped and counted") {
    for (int length : {1, 4, 8, 25, 27, 33, 35, 37, 64, 65, 200}) {
        CAPTURE(length);
        WiegandAssembler w;
        MonoMs last = send(w, std::string(static_cast<std::size_t>(length), '1'), 0);
        CHECK_FALSE(w.close_if_idle(last + 100).has_value());
        CHECK(w.drops()[Drop::BadLength] == 1);
        CHECK(w.drops()[Drop::Parity] == 0);
    }
}

TEST_CASE("wiegand: two frames back to back, the second bit after the gap closes the first") {
    WiegandAssembler w;
    MonoMs last = send(w, frame(0x123456, 24), 0);
    // The adapter was late: no close_if_idle, the next frame's first bit arrives.
    auto closed = w.bit(frame(0x04A1B2C3, 32)[0] == '1', last + 60);
    REQUIRE(closed.has_value());
    CHECK(closed->hex() == "123456");
    CHECK(w.pending_bits() == 1);
    auto rest = frame(0x04A1B2C3, 32).substr(1);
    last = send(w, rest, last + 62);
    auto second = w.close_if_idle(last + 26);
    REQUIRE(second.has_value());
    CHECK(second->hex() == "04A1B2C3");
}

TEST_CASE(
    "wiegand: a noise pulse before a frame is its own (dropped) frame when apart by the gap") {
    WiegandAssembler w;
    CHECK_FALSE(w.bit(1, 0).has_value());
    MonoMs last = send(w, frame(0x123456, 24), 40);
    CHECK(w.drops()[Drop::BadLength] == 1);
    auto uid = w.close_if_idle(last + 26);
    REQUIRE(uid.has_value());
    CHECK(uid->hex() == "123456");
}

TEST_CASE("wiegand: a custom gap") {
    WiegandAssembler w(50);
    MonoMs last = send(w, frame(0x123456, 24), 0);
    CHECK_FALSE(w.close_if_idle(last + 30).has_value());
    CHECK(w.close_if_idle(last + 51).has_value());
}

TEST_CASE("wiegand: each dropped frame is reported under its reason's name") {
    auto flipped_parity = frame(0x123456, 24);
    flipped_parity[0] = flipped_parity[0] == '1' ? '0' : '1';
    const fabgate::test::DroppedInput<std::string> cases[] = {
        {"25 bits, no format the reader knows", std::string(25, '1'), "wiegand.bad_length=1"},
        {"a parity bit flipped on the wire", flipped_parity, "wiegand.parity=1"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        WiegandAssembler w;
        MonoMs last = send(w, c.input, 0);
        CHECK_FALSE(w.close_if_idle(last + 100).has_value());
        CHECK(fabgate::test::reported_drops(w.drops()) == c.reported);
    }
}

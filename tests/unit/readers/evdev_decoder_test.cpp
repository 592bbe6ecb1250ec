#include <doctest/doctest.h>

#include <linux/input-event-codes.h>  // tests may use Linux headers: they check our copy of the table

#include <initializer_list>
#include <string>
#include <vector>

#include "readers/evdev_decoder.hpp"
#include "reported_drops.hpp"

using fabgate::ByteOrder;
using fabgate::UidFormat;
using fabgate::readers::EvdevDecoder;
using Drop = EvdevDecoder::Drop;
using fabgate::readers::KeyEvent;
using fabgate::readers::UidTextFormat;
namespace ev = fabgate::readers::evdev;

static_assert(ev::kEvKey == EV_KEY && ev::kEvSyn == EV_SYN && ev::kSynDropped == SYN_DROPPED);
static_assert(ev::kKey1 == KEY_1 && ev::kKey0 == KEY_0 && KEY_9 == ev::kKey1 + 8);
static_assert(ev::kKeyA == KEY_A && ev::kKeyB == KEY_B && ev::kKeyC == KEY_C &&
              ev::kKeyD == KEY_D && ev::kKeyE == KEY_E && ev::kKeyF == KEY_F);
static_assert(ev::kKeyEnter == KEY_ENTER && ev::kKeyKpEnter == KEY_KPENTER);
static_assert(ev::kKeyLeftShift == KEY_LEFTSHIFT && ev::kKeyRightShift == KEY_RIGHTSHIFT);
static_assert(ev::kKeyKp0 == KEY_KP0 && ev::kKeyKp1 == KEY_KP1 && ev::kKeyKp2 == KEY_KP2 &&
              ev::kKeyKp3 == KEY_KP3 && ev::kKeyKp4 == KEY_KP4 && ev::kKeyKp5 == KEY_KP5 &&
              ev::kKeyKp6 == KEY_KP6 && ev::kKeyKp7 == KEY_KP7 && ev::kKeyKp8 == KEY_KP8 &&
              ev::kKeyKp9 == KEY_KP9 && ev::kKeyKpMinus == KEY_KPMINUS);
static_assert(ev::kKeyMinus == KEY_MINUS && ev::kKeySemicolon == KEY_SEMICOLON &&
              ev::kKeySpace == KEY_SPACE && ev::kKeyCapsLock == KEY_CAPSLOCK &&
              ev::kKeyNumLock == KEY_NUMLOCK);

namespace {

// What a keyboard reader sends for one key: scan code, press, sync, release, sync.
void key(std::vector<KeyEvent>& out, std::uint16_t code) {
    out.push_back({EV_MSC, MSC_SCAN, 0x70000 + code});
    out.push_back({EV_KEY, code, 1});
    out.push_back({EV_SYN, SYN_REPORT, 0});
    out.push_back({EV_KEY, code, 0});
    out.push_back({EV_SYN, SYN_REPORT, 0});
}

std::uint16_t code_for(char c) {
    switch (c) {
        case '0':
            return KEY_0;
        case 'A':
            return KEY_A;
        case 'B':
            return KEY_B;
        case 'C':
            return KEY_C;
        case 'D':
            return KEY_D;
        case 'E':
            return KEY_E;
        case 'F':
            return KEY_F;
        case '-':
            return KEY_MINUS;
        case '\n':
            return KEY_ENTER;
        default:
            return static_cast<std::uint16_t>(KEY_1 + (c - '1'));
    }
}

std::vector<KeyEvent> typed(std::string_view text) {
    std::vector<KeyEvent> out;
    for (char c : text) key(out, code_for(c));
    return out;
}

std::vector<KeyEvent> joined(std::initializer_list<std::vector<KeyEvent>> parts) {
    std::vector<KeyEvent> out;
    for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

std::vector<std::string> run(EvdevDecoder& d, const std::vector<KeyEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        if (auto uid = d.feed(e)) out.push_back(uid->hex());
    return out;
}

}  // namespace

TEST_CASE("evdev: a decimal keyboard reader's 10 digits and Enter give the uid") {
    EvdevDecoder d(UidTextFormat{UidFormat::Decimal, 4, ByteOrder::MsbFirst});
    CHECK(run(d, typed("0077705923\n")) == std::vector<std::string>{"04A1B2C3"});
    CHECK(d.drops().total() == 0);
}

TEST_CASE("evdev: hex letters typed with shift, and keypad digits with keypad Enter") {
    EvdevDecoder d(UidTextFormat{});
    std::vector<KeyEvent> events;
    key(events, KEY_0);
    key(events, KEY_4);
    events.push_back({EV_KEY, KEY_LEFTSHIFT, 1});
    key(events, KEY_A);
    events.push_back({EV_KEY, KEY_LEFTSHIFT, 0});
    key(events, KEY_KP1);
    key(events, KEY_B);
    key(events, KEY_KP2);
    events.push_back({EV_KEY, KEY_RIGHTSHIFT, 1});
    key(events, KEY_C);
    events.push_back({EV_KEY, KEY_RIGHTSHIFT, 0});
    key(events, KEY_3);
    key(events, KEY_KPENTER);
    CHECK(run(d, events) == std::vector<std::string>{"04A1B2C3"});
}

TEST_CASE("evdev: auto-repeat and releases do not type extra characters") {
    EvdevDecoder d(UidTextFormat{});
    auto events = typed("04A1B2C3");
    events.insert(events.begin() + 1, KeyEvent{EV_KEY, KEY_0, 2});  // held key repeats
    auto enter = typed("\n");
    events.insert(events.end(), enter.begin(), enter.end());
    CHECK(run(d, events) == std::vector<std::string>{"04A1B2C3"});
}

TEST_CASE("evdev: byte separators are accepted in hex mode") {
    EvdevDecoder d(UidTextFormat{});
    CHECK(run(d, typed("04-A1-B2-C3\n")) == std::vector<std::string>{"04A1B2C3"});
}

TEST_CASE("evdev: an entry with a garbage key is dropped whole and counted; the next one decodes") {
    EvdevDecoder d(UidTextFormat{});
    auto events = typed("04A1");
    key(events, KEY_Q);
    auto rest = typed("B2C3\n04A1B2C3\n");
    events.insert(events.end(), rest.begin(), rest.end());
    CHECK(run(d, events) == std::vector<std::string>{"04A1B2C3"});
    CHECK(d.drops()[Drop::GarbageKey] == 1);
}

TEST_CASE("evdev: shifted digits are symbols, not digits") {
    EvdevDecoder d(UidTextFormat{UidFormat::Decimal, 4, ByteOrder::MsbFirst});
    std::vector<KeyEvent> events{{EV_KEY, KEY_LEFTSHIFT, 1}};
    auto digits = typed("12345\n");
    events.insert(events.end(), digits.begin(), digits.end());
    CHECK(run(d, events).empty());
    CHECK(d.drops()[Drop::GarbageKey] == 1);
}

TEST_CASE("evdev: an over-long entry is dropped, an empty Enter is ignored") {
    EvdevDecoder d(UidTextFormat{});
    CHECK(run(d, typed(std::string(EvdevDecoder::kMaxLine + 5, 'A') + "\n")).empty());
    CHECK(d.drops()[Drop::TooLong] == 1);
    CHECK(run(d, typed("\n")).empty());
    CHECK(d.drops().total() == 1);
    CHECK(run(d, typed("ABC\n")).empty());  // odd number of hex digits
    CHECK(d.drops()[Drop::Invalid] == 1);
}

TEST_CASE("evdev: lsb-first readers are byte-swapped") {
    EvdevDecoder d(UidTextFormat{UidFormat::Hex, 4, ByteOrder::LsbFirst});
    CHECK(run(d, typed("C3B2A104\n")) == std::vector<std::string>{"04A1B2C3"});
}

TEST_CASE(
    "evdev: keys lost in a kernel buffer overrun drop the entry instead of giving a shorter uid") {
    EvdevDecoder d(UidTextFormat{UidFormat::Decimal, 4, ByteOrder::MsbFirst});
    auto events = typed("00777");
    events.push_back({EV_SYN, SYN_DROPPED, 0});
    auto rest = typed("923\n0077705923\n");
    events.insert(events.end(), rest.begin(), rest.end());
    CHECK(run(d, events) == std::vector<std::string>{"04A1B2C3"});
    CHECK(d.drops()[Drop::Overrun] == 1);
}

TEST_CASE("evdev: a shift release lost in an overrun does not spoil the entries after it") {
    EvdevDecoder d(UidTextFormat{});
    auto events = typed("04");
    events.push_back({EV_KEY, KEY_LEFTSHIFT, 1});
    events.push_back({EV_SYN, SYN_DROPPED, 0});  // the rest of "A", and shift's release, lost
    auto rest = typed("1B2C3\n04A1B2C3\n");
    events.insert(events.end(), rest.begin(), rest.end());
    CHECK(run(d, events) == std::vector<std::string>{"04A1B2C3"});
    CHECK(d.drops().total() == 1);
}

TEST_CASE("evdev: each dropped entry is reported under its reason's name") {
    std::vector<KeyEvent> q_key;
    key(q_key, KEY_Q);
    const std::vector<KeyEvent> kernel_overrun{{EV_SYN, SYN_DROPPED, 0}};
    const fabgate::test::DroppedInput<std::vector<KeyEvent>> cases[] = {
        {"a key that has no place in a uid", joined({typed("04A1"), q_key, typed("B2C3\n")}),
         "evdev.garbage_key=1"},
        {"more keys than any uid has", typed(std::string(EvdevDecoder::kMaxLine + 5, 'A') + "\n"),
         "evdev.too_long=1"},
        {"an odd number of hex digits", typed("ABC\n"), "evdev.invalid=1"},
        {"keys lost in a kernel buffer overrun",
         joined({typed("04A1"), kernel_overrun, typed("B2C3\n")}), "evdev.overrun=1"},
        // One entry is one drop, counted under the first fault found in it.
        {"a key with no place in a uid, then too many keys",
         joined({q_key, typed(std::string(EvdevDecoder::kMaxLine + 5, 'A') + "\n")}),
         "evdev.garbage_key=1"},
        {"too many keys, then a key with no place in a uid",
         joined({typed(std::string(EvdevDecoder::kMaxLine + 5, 'A')), q_key, typed("\n")}),
         "evdev.too_long=1"},
        {"lost keys, then too many keys",
         joined({kernel_overrun, typed(std::string(EvdevDecoder::kMaxLine + 5, 'A') + "\n")}),
         "evdev.overrun=1"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        EvdevDecoder d(UidTextFormat{});
        CHECK(run(d, c.input).empty());
        CHECK(fabgate::test::reported_drops(d.drops()) == c.reported);
    }
}

#include <doctest/doctest.h>

#include <vector>

#include "gpio/indication.hpp"

using namespace fabgate;
using namespace fabgate::gpio;

namespace {

// The level of a pattern at each millisecond from 0 to `until`, as the adapter would play it.
std::vector<std::pair<MonoMs, bool>> changes(const Pattern& p, MonoMs until) {
    PatternPlayer player;
    player.start(p, 0);
    std::vector<std::pair<MonoMs, bool>> out{{0, player.level()}};
    for (MonoMs t = 1; t <= until; ++t)
        if (player.advance(t)) out.emplace_back(t, player.level());
    return out;
}

int rising_edges(const Pattern& p, MonoMs until) {
    int n = 0;
    for (auto [t, level] : changes(p, until)) n += level ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("granted is one short beep with the in-use LED, then back to the steady signal") {
    auto g = patterns_for(Indication::Granted);
    CHECK(rising_edges(g.buzzer, 5000) == 1);
    auto beep = changes(g.buzzer, 5000);
    REQUIRE(beep.size() == 2);
    CHECK(beep[1].first <= 300);  // short
    CHECK(g.led_in_use == Pattern::steady(true));
    CHECK(g.transient_ms > 0);
    CHECK(is_transient(Indication::Granted));
}

TEST_CASE("denied is three short beeps with the denied LED, and ends silent") {
    auto d = patterns_for(Indication::Denied);
    CHECK(rising_edges(d.buzzer, 10000) == 3);
    CHECK_FALSE(changes(d.buzzer, 10000).back().second);
    CHECK(d.led_denied == Pattern::steady(true));
    CHECK(d.led_ready == Pattern::steady(false));
    CHECK(changes(d.buzzer, 10000).back().first < d.transient_ms);  // the beeps fit the signal
}

TEST_CASE("the idle warning beeps again and again for as long as it lasts") {
    auto w = patterns_for(Indication::IdleWarning);
    CHECK(rising_edges(w.buzzer, 60'000) >= 10);
    CHECK_FALSE(is_transient(Indication::IdleWarning));
}

TEST_CASE("each steady signal is told apart by its LEDs, and none but the warning sounds") {
    std::vector<Indication> steady{Indication::Ready,       Indication::InUse,
                                   Indication::IdleWarning, Indication::Finishing,
                                   Indication::Maintenance, Indication::Fault};
    for (std::size_t i = 0; i < steady.size(); ++i) {
        auto a = patterns_for(steady[i]);
        CHECK(a.transient_ms == 0);
        if (steady[i] != Indication::IdleWarning) CHECK(a.buzzer == Pattern::steady(false));
        for (std::size_t j = i + 1; j < steady.size(); ++j) {
            auto b = patterns_for(steady[j]);
            bool same = a.led_ready == b.led_ready && a.led_in_use == b.led_in_use &&
                        a.led_denied == b.led_denied;
            CHECK_MESSAGE(!same, to_string(steady[i]), " and ", to_string(steady[j]),
                          " look the same");
        }
    }
}

TEST_CASE("finishing, maintenance and fault blink") {
    CHECK(patterns_for(Indication::Finishing).led_in_use.repeat);
    CHECK(patterns_for(Indication::Maintenance).led_ready.repeat);
    CHECK(patterns_for(Indication::Fault).led_denied.repeat);
    CHECK(rising_edges(patterns_for(Indication::Fault).led_denied, 2000) >= 4);
}

TEST_CASE("a pattern player that wakes late skips whole cycles and keeps the phase") {
    PatternPlayer p;
    p.start(Pattern::blink(100, 100), 0);
    CHECK(p.level());
    CHECK(p.next_change() == 100);
    p.advance(1'000'050);  // a million ms late: inside an "on" half
    CHECK(p.level());
    CHECK(p.next_change() == 1'000'100);
    p.advance(1'000'150);
    CHECK_FALSE(p.level());
}

TEST_CASE("a steady pattern never asks to be woken") {
    PatternPlayer p;
    p.start(Pattern::steady(true), 0);
    CHECK_FALSE(p.next_change().has_value());
    CHECK_FALSE(p.advance(1'000'000));
    CHECK(p.level());
    p.start(Pattern{{{true, 0}, {false, 0}}, true}, 0);  // repeating with no duration: held
    CHECK_FALSE(p.advance(10));
}

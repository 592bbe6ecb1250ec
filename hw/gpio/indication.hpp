#pragma once
// What each Indication looks and sounds like: the LED states and buzzer pattern, as data. Pure, so
// the mapping is tested without hardware; the adapter plays it on a loop timer.
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/ports.hpp"

namespace fabgate::gpio {

struct Step {
    bool on = false;
    MonoMs ms = 0;  // 0 on the last step of a one-shot pattern: hold this level
    bool operator==(const Step&) const = default;
};

// One-shot patterns end on their last step's level; repeating ones loop for as long as the
// indication lasts.
struct Pattern {
    std::vector<Step> steps;
    bool repeat = false;

    static Pattern steady(bool on) { return {{{on, 0}}, false}; }
    static Pattern blink(MonoMs on_ms, MonoMs off_ms) {
        return {{{true, on_ms}, {false, off_ms}}, true};
    }
    // `count` beeps of `on_ms`, `gap_ms` apart, then silence.
    static Pattern beeps(int count, MonoMs on_ms, MonoMs gap_ms);
    bool operator==(const Pattern&) const = default;
};

struct OutputPatterns {
    Pattern led_ready;
    Pattern led_in_use;
    Pattern led_denied;
    Pattern buzzer;
    // Granted and Denied are transient: after this long the last steady indication returns.
    // 0 for steady indications.
    MonoMs transient_ms = 0;
};

OutputPatterns patterns_for(Indication indication);
bool is_transient(Indication indication);

// Plays one pattern on one output. Time is passed in.
class PatternPlayer {
  public:
    void start(const Pattern& pattern, MonoMs now);
    // Moves to the step that covers `now`. True if the output level changed.
    bool advance(MonoMs now);
    bool level() const;
    // When the level next changes; nullopt while it holds.
    std::optional<MonoMs> next_change() const;

  private:
    MonoMs cycle_ms() const;

    Pattern pattern_ = Pattern::steady(false);
    std::size_t index_ = 0;
    MonoMs step_start_ = 0;
};

}  // namespace fabgate::gpio

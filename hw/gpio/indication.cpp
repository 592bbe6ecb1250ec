#include "gpio/indication.hpp"

namespace fabgate::gpio {

Pattern Pattern::beeps(int count, MonoMs on_ms, MonoMs gap_ms) {
    Pattern p;
    for (int i = 0; i < count; ++i) {
        p.steps.push_back({true, on_ms});
        p.steps.push_back({false, i + 1 < count ? gap_ms : 0});
    }
    if (p.steps.empty()) p.steps.push_back({false, 0});
    return p;
}

bool is_transient(Indication indication) {
    return indication == Indication::Granted || indication == Indication::Denied;
}

// Three LEDs and a buzzer, but many gates wire fewer: each indication is told apart by the LED that
// is lit and by how it blinks, and the sounds only mark the moments a member must notice.
OutputPatterns patterns_for(Indication indication) {
    const auto off = Pattern::steady(false);
    const auto on = Pattern::steady(true);
    switch (indication) {
        case Indication::Ready:
            return {on, off, off, off, 0};
        case Indication::Granted:
            return {off, on, off, Pattern::beeps(1, 150, 0), 600};
        case Indication::InUse:
            return {off, on, off, off, 0};
        case Indication::Denied:
            return {off, off, on, Pattern::beeps(3, 100, 100), 1500};
        // Beep every few seconds: loud enough to make someone at the machine look, not so
        // often that a member walking back to it is annoyed.
        case Indication::IdleWarning:
            return {off, Pattern::blink(500, 500), off, {{{true, 150}, {false, 2850}}, true}, 0};
        case Indication::Finishing:
            return {off, Pattern::blink(1000, 1000), off, off, 0};
        case Indication::Maintenance:
            return {Pattern::blink(1000, 1000), off, on, off, 0};
        case Indication::Fault:
            return {off, off, Pattern::blink(200, 200), off, 0};
    }
    return {off, off, on, off, 0};
}

MonoMs PatternPlayer::cycle_ms() const {
    MonoMs total = 0;
    for (const auto& s : pattern_.steps) total += s.ms > 0 ? s.ms : 0;
    return total;
}

void PatternPlayer::start(const Pattern& pattern, MonoMs now) {
    pattern_ = pattern;
    if (pattern_.steps.empty()) pattern_ = Pattern::steady(false);
    // A repeating pattern with no duration would loop forever without time passing.
    if (pattern_.repeat && cycle_ms() == 0) pattern_.repeat = false;
    index_ = 0;
    step_start_ = now;
    advance(now);  // past leading zero-length steps
}

bool PatternPlayer::advance(MonoMs now) {
    bool before = level();
    if (pattern_.repeat) {
        // A loop that ran late (suspend, a slow handler) skips whole cycles instead of
        // replaying them.
        MonoMs cycle = cycle_ms();
        if (now - step_start_ > cycle) step_start_ += (now - step_start_) / cycle * cycle - cycle;
    }
    while (true) {
        const auto& step = pattern_.steps[index_];
        bool last = index_ + 1 == pattern_.steps.size();
        if (last && !pattern_.repeat) break;
        if (step.ms <= 0 && !last) {
            ++index_;
            continue;
        }
        if (now < step_start_ + step.ms) break;
        step_start_ += step.ms;
        index_ = last ? 0 : index_ + 1;
    }
    return level() != before;
}

bool PatternPlayer::level() const {
    return pattern_.steps[index_].on;
}

std::optional<MonoMs> PatternPlayer::next_change() const {
    bool last = index_ + 1 == pattern_.steps.size();
    if (last && !pattern_.repeat) return std::nullopt;
    return step_start_ + pattern_.steps[index_].ms;
}

}  // namespace fabgate::gpio

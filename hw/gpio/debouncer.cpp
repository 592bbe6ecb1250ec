#include "gpio/debouncer.hpp"

namespace fabgate::gpio {

void Debouncer::reset(bool level) {
    settled_ = level;
    pending_level_ = level;
    pending_ = false;
}

void Debouncer::edge(bool level, MonoMs t) {
    pending_level_ = level;
    // Kernel timestamps of one line never go backwards; keep the latest anyway, so a clock
    // mismatch cannot make the window end early.
    if (!pending_ || t > last_edge_) last_edge_ = t;
    pending_ = true;
}

std::optional<bool> Debouncer::settle(MonoMs now, bool level_now) {
    if (!pending_) {
        if (level_now == settled_) return std::nullopt;
        edge(level_now, now);  // an edge the kernel never delivered
        if (window_ms_ > 0) return std::nullopt;
    }
    if (level_now != pending_level_) {
        edge(level_now, now);
        if (window_ms_ > 0) return std::nullopt;
    }
    if (now - last_edge_ < window_ms_) return std::nullopt;
    pending_ = false;
    if (pending_level_ == settled_) return std::nullopt;  // a bounce that came back
    settled_ = pending_level_;
    return settled_;
}

std::optional<MonoMs> Debouncer::next_deadline() const {
    if (!pending_) return std::nullopt;
    return last_edge_ + window_ms_;
}

}  // namespace fabgate::gpio

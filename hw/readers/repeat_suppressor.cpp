#include "readers/repeat_suppressor.hpp"

namespace fabgate::readers {

RepeatSuppressor::Sighting RepeatSuppressor::seen(const Uid& uid, MonoMs now) {
    Sighting result;
    // A sighting after the window is a new presentation even if expire() was not called in time.
    if (current_ && now - last_seen_ > window_ms_) {
        result.previous_removed = true;
        current_.reset();
    }
    if (current_ && *current_ != uid) {
        result.previous_removed = true;
        current_.reset();
    }
    if (!current_) {
        current_ = uid;
        result.presented = true;
    }
    last_seen_ = now;
    return result;
}

bool RepeatSuppressor::expire(MonoMs now) {
    if (!current_ || now - last_seen_ <= window_ms_) return false;
    current_.reset();
    return true;
}

bool RepeatSuppressor::clear() {
    bool had = current_.has_value();
    current_.reset();
    return had;
}

std::optional<MonoMs> RepeatSuppressor::next_deadline() const {
    if (!current_) return std::nullopt;
    return last_seen_ + window_ms_ + 1;
}

}  // namespace fabgate::readers

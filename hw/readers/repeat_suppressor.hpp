#pragma once
// Many readers repeat a card's frame for as long as it stays in the field. Turns the stream of
// sightings into presentations: the same UID seen again within `window_ms` of its LAST
// sighting is the same presentation; silence for longer than the window means the card left.
// Time is passed in, so tests drive it with a FakeClock.
#include <optional>

#include "core/clock.hpp"
#include "core/uid.hpp"

namespace fabgate::readers {

class RepeatSuppressor {
  public:
    struct Sighting {
        bool previous_removed = false;  // a different card replaced the one in the field
        bool presented = false;         // report badge_presented(uid)
    };

    explicit RepeatSuppressor(MonoMs window_ms) : window_ms_(window_ms < 0 ? 0 : window_ms) {}

    Sighting seen(const Uid& uid, MonoMs now);
    // True once, when the card in the field has been silent for longer than the window.
    bool expire(MonoMs now);
    // The card is known to be gone (a poll-based reader saw an empty field). True if one was there.
    bool clear();

    // When expire() will next report removal; nullopt while no card is in the field.
    std::optional<MonoMs> next_deadline() const;
    const std::optional<Uid>& current() const { return current_; }
    MonoMs window_ms() const { return window_ms_; }

  private:
    MonoMs window_ms_;
    std::optional<Uid> current_;
    MonoMs last_seen_ = 0;
};

}  // namespace fabgate::readers

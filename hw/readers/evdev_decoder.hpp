#pragma once
// USB "keyboard wedge" readers type the UID and press Enter. The adapter reads the kernel's
// input_event records; this decoder turns key presses into text and parses it on Enter.
// Key codes are the numeric values of linux/input-event-codes.h, kept here so that this pure
// part builds without Linux headers.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/uid.hpp"
#include "readers/drop_counts.hpp"
#include "readers/uid_text.hpp"

namespace fabgate::readers {

// The fields of struct input_event that matter (the timestamp does not).
struct KeyEvent {
    std::uint16_t type = 0;
    std::uint16_t code = 0;
    std::int32_t value = 0;
};

namespace evdev {
inline constexpr std::uint16_t kEvSyn = 0x00;
inline constexpr std::uint16_t kEvKey = 0x01;
inline constexpr std::uint16_t kSynDropped = 3;  // EV_SYN code: the kernel's buffer overran
inline constexpr std::int32_t kKeyRelease = 0;
inline constexpr std::int32_t kKeyPress = 1;
inline constexpr std::int32_t kKeyRepeat = 2;

inline constexpr std::uint16_t kKey1 = 2;  // KEY_1 .. KEY_9 are 2 .. 10
inline constexpr std::uint16_t kKey0 = 11;
inline constexpr std::uint16_t kKeyMinus = 12;
inline constexpr std::uint16_t kKeyE = 18;
inline constexpr std::uint16_t kKeyEnter = 28;
inline constexpr std::uint16_t kKeyA = 30;
inline constexpr std::uint16_t kKeyD = 32;
inline constexpr std::uint16_t kKeyF = 33;
inline constexpr std::uint16_t kKeySemicolon = 39;  // ':' with shift
inline constexpr std::uint16_t kKeyLeftShift = 42;
inline constexpr std::uint16_t kKeyC = 46;
inline constexpr std::uint16_t kKeyB = 48;
inline constexpr std::uint16_t kKeyRightShift = 54;
inline constexpr std::uint16_t kKeySpace = 57;
inline constexpr std::uint16_t kKeyCapsLock = 58;
inline constexpr std::uint16_t kKeyKp7 = 71;
inline constexpr std::uint16_t kKeyKp8 = 72;
inline constexpr std::uint16_t kKeyKp9 = 73;
inline constexpr std::uint16_t kKeyKpMinus = 74;
inline constexpr std::uint16_t kKeyKp4 = 75;
inline constexpr std::uint16_t kKeyKp5 = 76;
inline constexpr std::uint16_t kKeyKp6 = 77;
inline constexpr std::uint16_t kKeyKp1 = 79;
inline constexpr std::uint16_t kKeyKp2 = 80;
inline constexpr std::uint16_t kKeyKp3 = 81;
inline constexpr std::uint16_t kKeyKp0 = 82;
inline constexpr std::uint16_t kKeyNumLock = 69;
inline constexpr std::uint16_t kKeyKpEnter = 96;
}  // namespace evdev

class EvdevDecoder {
  public:
    static constexpr std::size_t kMaxLine = 64;

    // Why a typed entry was dropped.
    enum class Drop {
        GarbageKey,  // a key that cannot be part of a UID
        TooLong,
        Invalid,  // not a UID in the configured format
        Overrun,  // keys were lost in the kernel
    };
    static constexpr std::array<DropReason, 4> kDropReasons{"evdev.garbage_key", "evdev.too_long",
                                                            "evdev.invalid", "evdev.overrun"};
    using Drops = DropTally<Drop, kDropReasons>;

    explicit EvdevDecoder(UidTextFormat format) : format_(format) {}

    // A UID when this event is the Enter that ends a valid entry.
    std::optional<Uid> feed(const KeyEvent& event);
    void reset();

    const Drops& drops() const { return drops_; }

  private:
    std::optional<Uid> finish_entry();
    void drop_entry(Drop reason);
    // The character a key press types, '\0' for a key that has no place in a UID.
    char character(std::uint16_t code) const;

    UidTextFormat format_;
    std::string entry_;
    bool left_shift_ = false;
    bool right_shift_ = false;
    bool garbage_ = false;  // the entry saw a garbage key: drop it at Enter
    bool overflow_ = false;
    Drops drops_;
};

}  // namespace fabgate::readers

#include "readers/evdev_decoder.hpp"

namespace fabgate::readers {

using namespace evdev;

char EvdevDecoder::character(std::uint16_t code) const {
    bool shift = left_shift_ || right_shift_;
    if (code >= kKey1 && code <= kKey0) {
        if (shift) return '\0';  // '!', '@', ...: not a digit
        return code == kKey0 ? '0' : static_cast<char>('1' + (code - kKey1));
    }
    switch (code) {
        case kKeyKp0:
            return '0';
        case kKeyKp1:
            return '1';
        case kKeyKp2:
            return '2';
        case kKeyKp3:
            return '3';
        case kKeyKp4:
            return '4';
        case kKeyKp5:
            return '5';
        case kKeyKp6:
            return '6';
        case kKeyKp7:
            return '7';
        case kKeyKp8:
            return '8';
        case kKeyKp9:
            return '9';
        // Hex letters: readers type them with or without shift; case does not matter.
        case kKeyA:
            return 'A';
        case kKeyB:
            return 'B';
        case kKeyC:
            return 'C';
        case kKeyD:
            return 'D';
        case kKeyE:
            return 'E';
        case kKeyF:
            return 'F';
        // Byte separators some readers type.
        case kKeyMinus:
            return shift ? '\0' : '-';
        case kKeyKpMinus:
            return '-';
        case kKeySemicolon:
            return shift ? ':' : '\0';
        case kKeySpace:
            return ' ';
        default:
            return '\0';
    }
}

std::optional<Uid> EvdevDecoder::feed(const KeyEvent& event) {
    if (event.type == kEvSyn && event.code == kSynDropped) {
        // Keys are missing from this entry: what is left could be a valid but wrong UID.
        drop_entry(Drop::Overrun);
        garbage_ = true;
        // A lost shift release would make every digit of every later entry a symbol; readers
        // never hold shift across an Enter, so assume it released.
        left_shift_ = right_shift_ = false;
        return std::nullopt;
    }
    if (event.type != kEvKey) return std::nullopt;  // EV_SYN reports, EV_MSC scan codes, LEDs
    if (event.code == kKeyLeftShift || event.code == kKeyRightShift) {
        bool down = event.value != kKeyRelease;
        (event.code == kKeyLeftShift ? left_shift_ : right_shift_) = down;
        return std::nullopt;
    }
    // A held key's auto-repeat is not a second keystroke from a reader.
    if (event.value != kKeyPress) return std::nullopt;
    if (event.code == kKeyEnter || event.code == kKeyKpEnter) return finish_entry();
    // Lock keys change no character a reader types.
    if (event.code == kKeyNumLock || event.code == kKeyCapsLock) return std::nullopt;
    char c = character(event.code);
    if (c == '\0') {
        drop_entry(Drop::GarbageKey);
        garbage_ = true;
        return std::nullopt;
    }
    if (overflow_) return std::nullopt;
    if (entry_.size() >= kMaxLine) {
        drop_entry(Drop::TooLong);
        overflow_ = true;
        entry_.clear();
        return std::nullopt;
    }
    entry_.push_back(c);
    return std::nullopt;
}

// An entry is one drop, counted under the first fault found in it: the installer's total is of
// entries lost, whatever else went wrong in them.
void EvdevDecoder::drop_entry(Drop reason) {
    if (!garbage_ && !overflow_) ++drops_[reason];
}

std::optional<Uid> EvdevDecoder::finish_entry() {
    bool dropped = garbage_ || overflow_;
    std::string entry = std::move(entry_);
    entry_.clear();
    garbage_ = false;
    overflow_ = false;
    if (dropped || entry.empty()) return std::nullopt;
    auto uid = parse_uid_text(entry, format_);
    if (!uid) {
        ++drops_[Drop::Invalid];
        return std::nullopt;
    }
    return *uid;
}

void EvdevDecoder::reset() {
    entry_.clear();
    left_shift_ = right_shift_ = garbage_ = overflow_ = false;
}

}  // namespace fabgate::readers

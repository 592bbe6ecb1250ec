#pragma once
// MFRC522 13.56 MHz reader driver: chip set-up, ISO 14443A activation (WUPA, anticollision and
// select over cascade levels 1..3, giving 4, 7 or 10-byte UIDs) and card presence.
//
// Each poll wakes the card with WUPA, reads its UID, then halts it (HLTA). A halted card that
// stays in the field answers the next WUPA (REQA would not wake it), so it stays "present";
// only a card that no longer answers counts as removed. Transceive waits on the chip's own
// 5 ms timer: an empty-field poll blocks the loop for about 5 ms, a card read for about 5 ms
// plus the activation exchange (the halt is not answered, so it waits for the timer too).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/uid.hpp"
#include "readers/drop_counts.hpp"
#include "readers/mfrc522_bus.hpp"

namespace fabgate::readers {

class Mfrc522Reader {
  public:
    struct Drops {
        std::uint64_t collision = 0;  // two cards answered at once
        std::uint64_t bcc = 0;        // UID check byte wrong
        std::uint64_t crc = 0;        // SAK CRC_A wrong
        std::uint64_t garbled = 0;    // wrong length, framing, parity or cascade structure
        std::uint64_t total() const { return collision + bcc + crc + garbled; }
    };

    struct Options {
        // Consecutive polls without an answer before a card counts as removed: one missed
        // poll at the edge of the field is not a removal.
        int miss_limit = 2;
        // Bound on ComIrqReg reads per transceive, in case the chip's timer never fires.
        int max_irq_polls = 2000;
    };

    // What a poll changed. Both can be set: one card replaced by another between two polls.
    struct PollEvents {
        bool removed = false;
        std::optional<Uid> presented;
    };

    explicit Mfrc522Reader(Mfrc522Bus& bus) : Mfrc522Reader(bus, Options{}) {}
    Mfrc522Reader(Mfrc522Bus& bus, Options options) : bus_(bus), options_(options) {}

    // Soft reset, timer, modulation, antenna on. Fails if the bus fails or no chip answers.
    Status init();
    // One poll. An error means the chip or its bus is gone (the caller re-inits later).
    Result<PollEvents> poll();

    std::uint8_t version() const { return version_; }
    const std::optional<Uid>& present() const { return present_; }
    const Drops& drops() const { return drops_; }
    void add_drop_counts(DropCounts& counts) const;

    enum class ReadKind { Empty, Card, Garbled };
    struct CardRead {
        ReadKind kind = ReadKind::Empty;
        std::optional<Uid> uid;
    };
    // One activation attempt, without presence bookkeeping.
    Result<CardRead> read_card();

  private:
    enum class ReplyKind { Data, NoAnswer, Collision, Error };
    struct Reply {
        ReplyKind kind = ReplyKind::NoAnswer;
        std::vector<std::uint8_t> bytes;
        std::uint8_t rx_last_bits = 0;  // valid bits in the last byte, 0 = all 8
    };
    Result<Reply> transceive(std::span<const std::uint8_t> data, std::uint8_t tx_last_bits);
    Result<CardRead> select_cascade();
    Status halt();
    CardRead garbled(std::uint64_t& counter) {
        ++counter;
        return CardRead{ReadKind::Garbled, std::nullopt};
    }

    Mfrc522Bus& bus_;
    Options options_;
    std::uint8_t version_ = 0;
    std::optional<Uid> present_;
    int misses_ = 0;
    bool answered_last_read_ = false;
    Drops drops_;
};

}  // namespace fabgate::readers

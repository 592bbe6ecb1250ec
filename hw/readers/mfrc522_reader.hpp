#pragma once
// MFRC522 13.56 MHz reader driver: chip set-up, ISO 14443A activation (WUPA, anticollision and
// select over cascade levels 1..3, giving 4, 7 or 10-byte UIDs) and card presence.
//
// Each poll wakes the card with WUPA, reads its UID, then halts it (HLTA). A halted card that
// stays in the field answers the next WUPA (REQA would not wake it), so it stays "present";
// only a card that no longer answers counts as removed.
//
// A poll is a state machine over the register bus, so it never waits: start_poll() starts its
// first exchange, and continue_poll(), called every short while, reads ComIrqReg once; when
// the chip has finished the exchange (an answer, or its own 5 ms timer ran out) it decodes the
// reply and starts the next exchange, until the poll has its answer. An empty field is one
// exchange (about 5 ms of chip time), a card read about five plus the halt. poll() runs the
// same steps back to back, for tests and fuzzing.
#include <array>
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
    // Why a card's answer was dropped.
    enum class Drop {
        Collision,  // two cards answered at once
        Bcc,        // UID check byte wrong
        Crc,        // SAK CRC_A wrong
        Garbled,    // wrong length, framing, parity or cascade structure
    };
    static constexpr std::array<DropReason, 4> kDropReasons{"mfrc522.collision", "mfrc522.bcc",
                                                            "mfrc522.crc", "mfrc522.garbled"};
    using Drops = DropTally<Drop, kDropReasons>;

    struct Options {
        // Consecutive polls without an answer before a card counts as removed: one missed
        // poll at the edge of the field is not a removal.
        int miss_limit = 2;
        // Bound on ComIrqReg reads per exchange, in case the chip's timer never fires.
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
    // init() after a failed poll, keeping the card seen last: the next polls say whether it is
    // still there (as after any missed poll), so one disturbed transfer removes nothing.
    Status reinit_keeping_card();
    // Starts a poll. An error means the chip or its bus is gone (the caller re-inits later).
    Status start_poll();
    // Advances the poll started last: nullopt while its exchange is still on the air, its
    // events once it is done. Errors as for start_poll().
    Result<std::optional<PollEvents>> continue_poll();
    bool polling() const { return step_ != Step::None; }
    // A whole poll, back to back.
    Result<PollEvents> poll();

    std::uint8_t version() const { return version_; }
    const std::optional<Uid>& present() const { return present_; }
    const Drops& drops() const { return drops_; }

    enum class ReadKind { Empty, Card, Garbled };
    struct CardRead {
        ReadKind kind = ReadKind::Empty;
        std::optional<Uid> uid;
    };
    // One activation attempt, back to back, without presence bookkeeping.
    Result<CardRead> read_card();

  private:
    enum class ReplyKind { Data, NoAnswer, Collision, Error };
    struct Reply {
        ReplyKind kind = ReplyKind::NoAnswer;
        std::vector<std::uint8_t> bytes;
        std::uint8_t rx_last_bits = 0;  // valid bits in the last byte, 0 = all 8
    };
    // The exchange on the air: what its reply means and what comes next.
    enum class Step { None, Wake, Anticollision, Select, Halt };

    Status start_exchange(std::span<const std::uint8_t> data, std::uint8_t tx_last_bits);
    // nullopt: the chip is still busy with the exchange.
    Result<std::optional<Reply>> finish_exchange();
    Result<Reply> read_reply();
    Status start_read();
    // Decodes the reply to the exchange of step_ and starts the next one: nullopt, or the
    // read once it is decided.
    Result<std::optional<CardRead>> on_reply(const Reply& reply);
    Result<std::optional<CardRead>> on_wake(const Reply& reply);
    Result<std::optional<CardRead>> on_anticollision(const Reply& reply);
    Result<std::optional<CardRead>> on_select(const Reply& reply);
    Status start_anticollision();
    Status start_halt();
    Result<std::optional<CardRead>> advance();
    PollEvents account(const CardRead& read);
    std::optional<CardRead> decided(CardRead read) {
        step_ = Step::None;
        return read;
    }
    std::optional<CardRead> garbled(Drop reason) {
        ++drops_[reason];
        return decided(CardRead{ReadKind::Garbled, std::nullopt});
    }

    Mfrc522Bus& bus_;
    Options options_;
    std::uint8_t version_ = 0;
    std::optional<Uid> present_;
    int misses_ = 0;
    bool answered_last_read_ = false;
    Drops drops_;

    // The read in progress.
    Step step_ = Step::None;
    int irq_polls_ = 0;
    int wake_attempts_left_ = 0;
    std::size_t level_ = 0;  // cascade level, 0..2
    std::vector<std::uint8_t> uid_;
    std::vector<std::uint8_t> level_bytes_;  // this level's 4 UID bytes and BCC
    std::optional<CardRead> card_;           // read, waiting for the halt to go out
};

}  // namespace fabgate::readers

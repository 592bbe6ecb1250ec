#pragma once
// A register-level MFRC522 with an ISO 14443A card in front of it, for tests. It implements the
// registers the driver uses and, on Transceive, a card's state machine (ISO 14443-3):
// IDLE -REQA/WUPA-> READY(cascade level) -anticollision/select-> ... -> ACTIVE -HLTA-> HALT.
#include <array>
#include <chrono>
#include <deque>
#include <optional>
#include <vector>

#include "readers/iso14443a.hpp"
#include "readers/mfrc522_bus.hpp"

namespace fabgate::readers::test {

class SimulatedMfrc522 : public Mfrc522Bus {
  public:
    struct Card {
        std::vector<std::uint8_t> uid;  // 4, 7 or 10 bytes
        std::uint8_t sak = 0x08;        // final SAK (MIFARE Classic 1K)
        bool corrupt_bcc = false;       // answer anticollision with a wrong check byte
        bool ignores_halt = false;      // stays ACTIVE after HLTA (a lost halt)
        bool corrupt_sak_crc = false;   // answer the final select with a wrong CRC_A
        bool parity_error = false;      // anticollision answers arrive with a parity error
    };
    enum class CardState { Idle, Ready, Active, Halt };

    std::uint8_t version = 0x92;
    bool bus_broken = false;
    int version_glitches = 0;  // the next VersionReg reads give 0xFF, as a spike on MISO would
    bool collision = false;    // a second card answers anticollision too
    int wakeups = 0;           // WUPA frames seen by a card in the field
    int halts = 0;
    int transceives = 0;  // frames the driver sent, answered or not
    int register_accesses = 0;
    // How long the chip takes to finish an exchange (an answer, or its timer running out);
    // until then ComIrqReg shows nothing. 0: at once.
    std::chrono::milliseconds exchange_time{0};
    int irq_reads = 0;

    // An exchange was started and the chip has not finished it yet.
    bool exchange_on_air() const { return pending_irq_ != 0; }

    void insert(Card card) {
        card_ = std::move(card);
        state_ = CardState::Idle;
    }
    void remove() { card_.reset(); }
    CardState card_state() const { return state_; }
    std::uint8_t reg(std::uint8_t r) const { return regs_[r]; }

    Result<std::uint8_t> read(std::uint8_t r) override {
        using namespace mfrc522;
        if (bus_broken) return fail("spi", "Input/output error");
        ++register_accesses;
        switch (r) {
            case kVersionReg:
                if (version_glitches > 0) {
                    --version_glitches;
                    return std::uint8_t{0xFF};
                }
                return version;
            case kFifoLevelReg:
                return static_cast<std::uint8_t>(fifo_.size());
            case kFifoDataReg: {
                if (fifo_.empty()) return std::uint8_t{0};
                auto b = fifo_.front();
                fifo_.pop_front();
                return b;
            }
            case kControlReg:
                return static_cast<std::uint8_t>(0x10 | rx_last_bits_);
            case kComIrqReg:
                ++irq_reads;
                if (pending_irq_ && std::chrono::steady_clock::now() >= finishes_at_) {
                    regs_[r] |= pending_irq_;
                    pending_irq_ = 0;
                }
                return regs_[r];
            default:
                return regs_[r & 0x3F];
        }
    }

    Status write(std::uint8_t r, std::uint8_t v) override {
        using namespace mfrc522;
        if (bus_broken) return fail("spi", "Input/output error");
        ++register_accesses;
        switch (r) {
            case kCommandReg:
                if ((v & 0x0F) == kCmdSoftReset) {
                    regs_.fill(0);
                    regs_[kCommandReg] = 0x20;
                    regs_[kTxControlReg] = 0x80;  // antenna off after reset
                    fifo_.clear();
                    return {};
                }
                regs_[kCommandReg] = v;
                return {};
            case kComIrqReg:
                if (v & 0x80)
                    regs_[r] |= static_cast<std::uint8_t>(v & 0x7F);
                else {
                    regs_[r] &= static_cast<std::uint8_t>(~v);
                    pending_irq_ &= static_cast<std::uint8_t>(~v);
                }
                return {};
            case kFifoLevelReg:
                if (v & kFlushBuffer) fifo_.clear();
                return {};
            case kFifoDataReg:
                fifo_.push_back(v);
                return {};
            case kBitFramingReg:
                regs_[r] = v;
                if ((v & kStartSend) && (regs_[kCommandReg] & 0x0F) == kCmdTransceive) transceive();
                return {};
            default:
                regs_[r & 0x3F] = v;
                return {};
        }
    }

  private:
    static constexpr std::uint8_t kParityErr = 0x02;  // ErrorReg

    void transceive() {
        using namespace mfrc522;
        ++transceives;
        std::vector<std::uint8_t> frame(fifo_.begin(), fifo_.end());
        fifo_.clear();
        regs_[kErrorReg] = 0;
        rx_last_bits_ = 0;
        bool antenna_on = (regs_[kTxControlReg] & kAntennaOn) == kAntennaOn;
        auto answer = antenna_on ? card_answer(frame, regs_[kBitFramingReg] & 0x07) : std::nullopt;
        std::uint8_t irq = kTimerIrq;  // the card stayed silent until the timer ran out
        if (answer) {
            fifo_.assign(answer->begin(), answer->end());
            irq = kRxIrq | kIdleIrq;
        }
        if (exchange_time.count() == 0) {
            regs_[kComIrqReg] |= irq;
            return;
        }
        pending_irq_ = irq;
        finishes_at_ = std::chrono::steady_clock::now() + exchange_time;
    }

    static std::vector<std::uint8_t> with_crc(std::vector<std::uint8_t> bytes) {
        auto crc = iso14443a::crc_a(bytes);
        bytes.push_back(static_cast<std::uint8_t>(crc & 0xFF));
        bytes.push_back(static_cast<std::uint8_t>(crc >> 8));
        return bytes;
    }

    std::array<std::uint8_t, 4> cascade_part(int level) const {
        const auto& u = card_->uid;
        std::size_t levels = u.size() == 4 ? 1 : u.size() == 7 ? 2 : 3;
        std::size_t lvl = static_cast<std::size_t>(level);
        if (lvl < levels) {
            std::size_t at = 3 * (lvl - 1);
            return {iso14443a::kCascadeTag, u[at], u[at + 1], u[at + 2]};
        }
        std::size_t at = 3 * (lvl - 1);
        return {u[at], u[at + 1], u[at + 2], u[at + 3]};
    }

    std::optional<std::vector<std::uint8_t>> card_answer(const std::vector<std::uint8_t>& f,
                                                         int tx_bits) {
        namespace a = iso14443a;
        if (!card_) return std::nullopt;
        std::size_t size = card_->uid.size();
        std::vector<std::uint8_t> atqa{static_cast<std::uint8_t>(size == 4   ? 0x04
                                                                 : size == 7 ? 0x44
                                                                             : 0x84),
                                       0x00};
        if (tx_bits == 7 && f.size() == 1 && (f[0] == a::kReqA || f[0] == a::kWupA)) {
            if (f[0] == a::kWupA) ++wakeups;
            bool wakes =
                state_ == CardState::Idle || (f[0] == a::kWupA && state_ == CardState::Halt);
            if (!wakes) {
                // READY/ACTIVE: an unexpected frame sends the card back to IDLE, silently.
                if (state_ != CardState::Halt) state_ = CardState::Idle;
                return std::nullopt;
            }
            state_ = CardState::Ready;
            level_ = 1;
            return atqa;
        }
        int sel_level = f.empty()            ? 0
                        : f[0] == a::kSelCl1 ? 1
                        : f[0] == a::kSelCl2 ? 2
                        : f[0] == a::kSelCl3 ? 3
                                             : 0;
        if (state_ == CardState::Ready && sel_level == level_ && f.size() == 2 &&
            f[1] == a::kNvbAnticollision) {
            if (collision) {
                regs_[mfrc522::kErrorReg] = mfrc522::kCollErr;
                return std::vector<std::uint8_t>{0x00, 0x00, 0x00, 0x00, 0x00};
            }
            auto cl = cascade_part(level_);
            // The chip still fills the FIFO with what it heard; ErrorReg says not to trust it.
            if (card_->parity_error) regs_[mfrc522::kErrorReg] = kParityErr;
            std::uint8_t check = a::bcc(cl);
            if (card_->corrupt_bcc) check ^= 0x01;
            return std::vector<std::uint8_t>{cl[0], cl[1], cl[2], cl[3], check};
        }
        if (state_ == CardState::Ready && sel_level == level_ && f.size() == 9 &&
            f[1] == a::kNvbSelect) {
            auto cl = cascade_part(level_);
            bool ok = std::equal(cl.begin(), cl.end(), f.begin() + 2) && f[6] == a::bcc(cl) &&
                      with_crc({f.begin(), f.begin() + 7}) == f;
            if (!ok) {
                state_ = CardState::Idle;
                return std::nullopt;
            }
            std::size_t levels = size == 4 ? 1 : size == 7 ? 2 : 3;
            if (static_cast<std::size_t>(level_) < levels) {
                ++level_;
                return with_crc({a::kSakCascade});
            }
            state_ = CardState::Active;
            auto sak = with_crc({card_->sak});
            if (card_->corrupt_sak_crc) sak[2] ^= 0x01;
            return sak;
        }
        if (state_ == CardState::Active && f == with_crc({a::kHltA, 0x00})) {
            ++halts;
            if (!card_->ignores_halt) state_ = CardState::Halt;
            return std::nullopt;
        }
        if (state_ == CardState::Ready || state_ == CardState::Active) state_ = CardState::Idle;
        return std::nullopt;
    }

    std::array<std::uint8_t, 64> regs_{};
    std::deque<std::uint8_t> fifo_;
    std::uint8_t rx_last_bits_ = 0;
    std::uint8_t pending_irq_ = 0;
    std::chrono::steady_clock::time_point finishes_at_;
    std::optional<Card> card_;
    CardState state_ = CardState::Idle;
    int level_ = 1;
};

}  // namespace fabgate::readers::test

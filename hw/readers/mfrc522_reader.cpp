#include "readers/mfrc522_reader.hpp"

#include <array>

#include "readers/iso14443a.hpp"

namespace fabgate::readers {

using namespace mfrc522;
namespace a = iso14443a;

namespace {

// Timer: TAuto starts it when a transmission ends, so it measures the card's silence.
// Prescaler 169 -> 13.56 MHz / (2 * 169 + 1) = 40 kHz (25 us ticks); reload 200 -> 5 ms.
// Activation answers come within ~0.1 ms (ISO 14443-3 frame delay time); 5 ms leaves margin
// while keeping an empty-field poll short for the event loop.
constexpr std::uint8_t kTModeTAuto = 0x80;
constexpr std::uint8_t kTPrescaler = 0xA9;
constexpr std::uint16_t kTReload = 200;
constexpr std::uint8_t kForce100Ask = 0x40;  // TxASKReg: 100 % ASK as type A requires
// ModeReg: TxWaitRF, MFIN active high, CRC preset 0x6363 (ISO 14443-3 CRC_A).
constexpr std::uint8_t kModeCrcA = 0x3D;
constexpr int kResetPolls = 100;

bool chip_answers(std::uint8_t version) {
    return version != 0x00 && version != 0xFF;
}

}  // namespace

Status Mfrc522Reader::init() {
    TRY(bus_.write(kCommandReg, kCmdSoftReset));
    bool awake = false;
    for (int i = 0; i < kResetPolls && !awake; ++i) {
        TRY_ASSIGN(auto cmd, bus_.read(kCommandReg));
        awake = (cmd & kPowerDown) == 0;
    }
    if (!awake) return fail("mfrc522", "chip did not come out of soft reset");
    TRY_ASSIGN(auto version, bus_.read(kVersionReg));
    if (!chip_answers(version))
        return fail("mfrc522", "no chip answers on the bus (VersionReg reads " +
                                   std::to_string(version) + ")");
    version_ = version;

    const std::array<std::pair<std::uint8_t, std::uint8_t>, 7> setup{{
        {kTModeReg, kTModeTAuto},
        {kTPrescalerReg, kTPrescaler},
        {kTReloadRegH, static_cast<std::uint8_t>(kTReload >> 8)},
        {kTReloadRegL, static_cast<std::uint8_t>(kTReload & 0xFF)},
        {kTxAskReg, kForce100Ask},
        {kModeReg, kModeCrcA},
        {kComIEnReg, 0x00},  // polled, the IRQ pin stays quiet
    }};
    for (auto [reg, value] : setup) TRY(bus_.write(reg, value));
    TRY_ASSIGN(auto tx, bus_.read(kTxControlReg));
    if ((tx & kAntennaOn) != kAntennaOn)
        TRY(bus_.write(kTxControlReg, static_cast<std::uint8_t>(tx | kAntennaOn)));
    present_.reset();
    misses_ = 0;
    answered_last_read_ = false;
    step_ = Step::None;
    return {};
}

Status Mfrc522Reader::reinit_keeping_card() {
    auto card = present_;
    TRY(init());
    present_ = std::move(card);
    // The reset dropped the field: the card wakes to the next WUPA; give it the second try a
    // card that answered gets.
    answered_last_read_ = present_.has_value();
    return {};
}

Status Mfrc522Reader::start_exchange(std::span<const std::uint8_t> data,
                                     std::uint8_t tx_last_bits) {
    irq_polls_ = 0;
    for (auto [reg, value] :
         {std::pair{kCommandReg, kCmdIdle}, std::pair{kComIrqReg, kClearAllIrqs},
          std::pair{kFifoLevelReg, kFlushBuffer}})
        TRY(bus_.write(reg, value));
    TRY(bus_.write_fifo(data));
    TRY(bus_.write(kBitFramingReg, tx_last_bits));
    TRY(bus_.write(kCommandReg, kCmdTransceive));
    return bus_.write(kBitFramingReg, static_cast<std::uint8_t>(kStartSend | tx_last_bits));
}

Result<std::optional<Mfrc522Reader::Reply>> Mfrc522Reader::finish_exchange() {
    TRY_ASSIGN(auto irq, bus_.read(kComIrqReg));
    bool finished = (irq & (kRxIrq | kIdleIrq | kTimerIrq)) != 0;
    if (!finished && ++irq_polls_ < options_.max_irq_polls) return std::optional<Reply>{};
    TRY(bus_.write(kBitFramingReg, 0x00));
    if (!finished) return fail("mfrc522", "transceive never finished (chip timer stopped?)");
    if (!(irq & (kRxIrq | kIdleIrq))) return std::optional<Reply>{Reply{}};  // nobody answered
    TRY_ASSIGN(auto reply, read_reply());
    return std::optional<Reply>{std::move(reply)};
}

Result<Mfrc522Reader::Reply> Mfrc522Reader::read_reply() {
    Reply reply;
    TRY_ASSIGN(auto error, bus_.read(kErrorReg));
    if (error & kCollErr) {
        reply.kind = ReplyKind::Collision;
        return reply;
    }
    if (error & kProtocolErrors) {
        reply.kind = ReplyKind::Error;
        return reply;
    }
    TRY_ASSIGN(auto level, bus_.read(kFifoLevelReg));
    std::size_t count = level & 0x7F;
    if (count == 0) return reply;  // IdleIRq without data: nothing was received
    if (count > 64) count = 64;
    TRY_ASSIGN(auto bytes, bus_.read_fifo(count));
    TRY_ASSIGN(auto control, bus_.read(kControlReg));
    reply.kind = ReplyKind::Data;
    reply.bytes = std::move(bytes);
    reply.rx_last_bits = control & kRxLastBitsMask;
    return reply;
}

Status Mfrc522Reader::start_read() {
    // A card left ACTIVE (a halt was lost) drops to IDLE on the first WUPA without answering;
    // it answers the second; so does a card whose last read was garbled mid-activation. Only
    // a card that answered the last poll gets that second chance, so an empty field costs one
    // timeout per poll.
    wake_attempts_left_ = answered_last_read_ ? 2 : 1;
    answered_last_read_ = false;
    card_.reset();
    step_ = Step::Wake;
    const std::uint8_t wupa[] = {a::kWupA};
    return start_exchange(wupa, 7);
}

Result<std::optional<Mfrc522Reader::CardRead>> Mfrc522Reader::advance() {
    auto reply = finish_exchange();
    if (!reply) {
        step_ = Step::None;
        return tl::unexpected(reply.error());
    }
    if (!*reply) return std::optional<CardRead>{};
    auto read = on_reply(**reply);
    if (!read) step_ = Step::None;
    return read;
}

Result<std::optional<Mfrc522Reader::CardRead>> Mfrc522Reader::on_reply(const Reply& reply) {
    switch (step_) {
        case Step::Wake:
            return on_wake(reply);
        case Step::Anticollision:
            return on_anticollision(reply);
        case Step::Select:
            return on_select(reply);
        case Step::Halt:
            // A halted card stays silent: no answer is the success case, any answer is ignored.
            return decided(*card_);
        case Step::None:
            break;
    }
    return fail("mfrc522", "a reply with no exchange on the air");
}

Result<std::optional<Mfrc522Reader::CardRead>> Mfrc522Reader::on_wake(const Reply& atqa) {
    if (atqa.kind == ReplyKind::NoAnswer) {
        if (--wake_attempts_left_ <= 0) return decided(CardRead{});
        const std::uint8_t wupa[] = {a::kWupA};
        TRY(start_exchange(wupa, 7));
        return std::optional<CardRead>{};
    }
    answered_last_read_ = true;
    // Several cards answer WUPA at once with different ATQAs: a collision here is still "a card".
    if (atqa.kind == ReplyKind::Data && (atqa.bytes.size() != 2 || atqa.rx_last_bits != 0))
        return garbled(Drop::Garbled);
    level_ = 0;
    uid_.clear();
    TRY(start_anticollision());
    return std::optional<CardRead>{};
}

namespace {
constexpr std::array<std::uint8_t, 3> kSel{a::kSelCl1, a::kSelCl2, a::kSelCl3};
}

Status Mfrc522Reader::start_anticollision() {
    step_ = Step::Anticollision;
    const std::uint8_t anticollision[] = {kSel[level_], a::kNvbAnticollision};
    return start_exchange(anticollision, 0);
}

Result<std::optional<Mfrc522Reader::CardRead>> Mfrc522Reader::on_anticollision(const Reply& r) {
    if (r.kind == ReplyKind::Collision) return garbled(Drop::Collision);
    if (r.kind != ReplyKind::Data || r.bytes.size() != 5 || r.rx_last_bits != 0)
        return garbled(Drop::Garbled);
    std::span<const std::uint8_t> cl(r.bytes.data(), 4);
    if (a::bcc(cl) != r.bytes[4]) return garbled(Drop::Bcc);
    level_bytes_ = r.bytes;

    std::array<std::uint8_t, 9> select{kSel[level_], a::kNvbSelect, cl[0],     cl[1],
                                       cl[2],        cl[3],         r.bytes[4]};
    std::uint16_t crc = a::crc_a(std::span<const std::uint8_t>(select.data(), 7));
    select[7] = static_cast<std::uint8_t>(crc & 0xFF);
    select[8] = static_cast<std::uint8_t>(crc >> 8);
    step_ = Step::Select;
    TRY(start_exchange(select, 0));
    return std::optional<CardRead>{};
}

Result<std::optional<Mfrc522Reader::CardRead>> Mfrc522Reader::on_select(const Reply& s) {
    if (s.kind != ReplyKind::Data || s.bytes.size() != 3 || s.rx_last_bits != 0)
        return garbled(Drop::Garbled);
    if (a::crc_a(std::span<const std::uint8_t>(s.bytes.data(), 1)) !=
        (s.bytes[1] | s.bytes[2] << 8))
        return garbled(Drop::Crc);
    std::span<const std::uint8_t> cl(level_bytes_.data(), 4);
    bool more = (s.bytes[0] & a::kSakCascade) != 0;
    if (more) {
        // The cascade tag stands in for the first byte; the UID continues at the next level.
        if (cl[0] != a::kCascadeTag || level_ + 1 >= kSel.size()) return garbled(Drop::Garbled);
        uid_.insert(uid_.end(), cl.begin() + 1, cl.end());
        ++level_;
        TRY(start_anticollision());
        return std::optional<CardRead>{};
    }
    uid_.insert(uid_.end(), cl.begin(), cl.end());
    auto parsed = Uid::from_bytes(uid_);
    if (!parsed) return garbled(Drop::Garbled);
    card_ = CardRead{ReadKind::Card, *parsed};
    TRY(start_halt());
    return std::optional<CardRead>{};
}

Status Mfrc522Reader::start_halt() {
    std::array<std::uint8_t, 4> hlta{a::kHltA, 0x00, 0, 0};
    std::uint16_t crc = a::crc_a(std::span<const std::uint8_t>(hlta.data(), 2));
    hlta[2] = static_cast<std::uint8_t>(crc & 0xFF);
    hlta[3] = static_cast<std::uint8_t>(crc >> 8);
    step_ = Step::Halt;
    return start_exchange(hlta, 0);
}

Result<Mfrc522Reader::CardRead> Mfrc522Reader::read_card() {
    if (auto s = start_read(); !s) {
        step_ = Step::None;
        return tl::unexpected(s.error());
    }
    while (true) {
        TRY_ASSIGN(auto read, advance());
        if (read) return *read;
    }
}

Status Mfrc522Reader::start_poll() {
    // A chip that lost power or its wiring reads as 0x00 / 0xFF: report it rather than
    // "no card" forever.
    TRY_ASSIGN(auto version, bus_.read(kVersionReg));
    if (!chip_answers(version)) return fail("mfrc522", "chip stopped answering on the bus");
    if (auto s = start_read(); !s) {
        step_ = Step::None;
        return s;
    }
    return {};
}

Result<std::optional<Mfrc522Reader::PollEvents>> Mfrc522Reader::continue_poll() {
    if (step_ == Step::None) return fail("mfrc522", "no poll in progress");
    TRY_ASSIGN(auto read, advance());
    if (!read) return std::optional<PollEvents>{};
    return std::optional<PollEvents>{account(*read)};
}

Result<Mfrc522Reader::PollEvents> Mfrc522Reader::poll() {
    TRY(start_poll());
    while (true) {
        TRY_ASSIGN(auto events, continue_poll());
        if (events) return *events;
    }
}

Mfrc522Reader::PollEvents Mfrc522Reader::account(const CardRead& read) {
    PollEvents events;
    switch (read.kind) {
        case ReadKind::Card:
            misses_ = 0;
            if (present_ && *present_ != *read.uid) events.removed = true;
            if (!present_ || *present_ != *read.uid) {
                present_ = read.uid;
                events.presented = read.uid;
            }
            break;
        case ReadKind::Garbled:
            misses_ = 0;  // something answered: the card is still there
            break;
        case ReadKind::Empty:
            if (present_ && ++misses_ >= options_.miss_limit) {
                present_.reset();
                misses_ = 0;
                events.removed = true;
            }
            break;
    }
    return events;
}

}  // namespace fabgate::readers

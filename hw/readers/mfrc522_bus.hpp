#pragma once
// The MFRC522's register interface, whatever carries it (SPI on the Pi, a simulated card in
// tests). Register numbers and bits are from the NXP MFRC522 datasheet (rev. 3.9, section 9).
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace fabgate::readers {

namespace mfrc522 {
// Registers
inline constexpr std::uint8_t kCommandReg = 0x01;
inline constexpr std::uint8_t kComIEnReg = 0x02;
inline constexpr std::uint8_t kComIrqReg = 0x04;
inline constexpr std::uint8_t kDivIrqReg = 0x05;
inline constexpr std::uint8_t kErrorReg = 0x06;
inline constexpr std::uint8_t kFifoDataReg = 0x09;
inline constexpr std::uint8_t kFifoLevelReg = 0x0A;
inline constexpr std::uint8_t kControlReg = 0x0C;
inline constexpr std::uint8_t kBitFramingReg = 0x0D;
inline constexpr std::uint8_t kCollReg = 0x0E;
inline constexpr std::uint8_t kModeReg = 0x11;
inline constexpr std::uint8_t kTxModeReg = 0x12;
inline constexpr std::uint8_t kRxModeReg = 0x13;
inline constexpr std::uint8_t kTxControlReg = 0x14;
inline constexpr std::uint8_t kTxAskReg = 0x15;
inline constexpr std::uint8_t kTModeReg = 0x2A;
inline constexpr std::uint8_t kTPrescalerReg = 0x2B;
inline constexpr std::uint8_t kTReloadRegH = 0x2C;
inline constexpr std::uint8_t kTReloadRegL = 0x2D;
inline constexpr std::uint8_t kVersionReg = 0x37;

// Commands (CommandReg bits 3..0)
inline constexpr std::uint8_t kCmdIdle = 0x00;
inline constexpr std::uint8_t kCmdTransceive = 0x0C;
inline constexpr std::uint8_t kCmdSoftReset = 0x0F;

// Bits
inline constexpr std::uint8_t kPowerDown = 0x10;    // CommandReg: still in (soft) power-down
inline constexpr std::uint8_t kFlushBuffer = 0x80;  // FIFOLevelReg
inline constexpr std::uint8_t kStartSend = 0x80;    // BitFramingReg
inline constexpr std::uint8_t kRxIrq = 0x20;        // ComIrqReg
inline constexpr std::uint8_t kIdleIrq = 0x10;
inline constexpr std::uint8_t kTimerIrq = 0x01;
inline constexpr std::uint8_t kClearAllIrqs = 0x7F;  // ComIrqReg with Set1 = 0
inline constexpr std::uint8_t kProtocolErrors =
    0x13;                                       // ErrorReg: BufferOvfl | ParityErr | ProtocolErr
inline constexpr std::uint8_t kCollErr = 0x08;  // ErrorReg
inline constexpr std::uint8_t kRxLastBitsMask = 0x07;  // ControlReg
inline constexpr std::uint8_t kAntennaOn = 0x03;       // TxControlReg: Tx1RFEn | Tx2RFEn
}  // namespace mfrc522

class Mfrc522Bus {
  public:
    virtual ~Mfrc522Bus() = default;
    virtual Result<std::uint8_t> read(std::uint8_t reg) = 0;
    virtual Status write(std::uint8_t reg, std::uint8_t value) = 0;

    // FIFO transfers; a bus that can burst (SPI) overrides these.
    virtual Result<std::vector<std::uint8_t>> read_fifo(std::size_t count) {
        std::vector<std::uint8_t> out;
        out.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            auto v = read(mfrc522::kFifoDataReg);
            if (!v) return tl::unexpected(v.error());
            out.push_back(*v);
        }
        return out;
    }
    virtual Status write_fifo(std::span<const std::uint8_t> bytes) {
        for (std::uint8_t b : bytes) TRY(write(mfrc522::kFifoDataReg, b));
        return {};
    }
};

}  // namespace fabgate::readers

#pragma once
// ISO/IEC 14443-3 type A facts the MFRC522 driver and its simulated card share.
#include <cstdint>
#include <span>

namespace fabgate::readers::iso14443a {

inline constexpr std::uint8_t kReqA = 0x26;  // 7-bit frame; only IDLE cards answer
inline constexpr std::uint8_t kWupA = 0x52;  // 7-bit frame; IDLE and HALT cards answer
inline constexpr std::uint8_t kHltA = 0x50;  // + 0x00 + CRC_A
inline constexpr std::uint8_t kSelCl1 = 0x93;
inline constexpr std::uint8_t kSelCl2 = 0x95;
inline constexpr std::uint8_t kSelCl3 = 0x97;
inline constexpr std::uint8_t kNvbAnticollision = 0x20;  // SEL + NVB only: "send me all UID bits"
inline constexpr std::uint8_t kNvbSelect = 0x70;         // SEL + NVB + 4 UID bytes + BCC
inline constexpr std::uint8_t kCascadeTag = 0x88;        // first byte of CLn when the UID goes on
inline constexpr std::uint8_t kSakCascade = 0x04;        // SAK bit: UID not complete

// CRC_A: CRC-16 with polynomial x^16 + x^12 + x^5 + 1 (reflected 0x8408), preset 0x6363,
// sent low byte first.
inline std::uint16_t crc_a(std::span<const std::uint8_t> data) {
    std::uint16_t crc = 0x6363;
    for (std::uint8_t byte : data) {
        crc ^= byte;
        for (int i = 0; i < 8; ++i)
            crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0x8408)
                            : static_cast<std::uint16_t>(crc >> 1);
    }
    return crc;
}

inline std::uint8_t bcc(std::span<const std::uint8_t> four) {
    std::uint8_t x = 0;
    for (std::uint8_t b : four) x ^= b;
    return x;
}

}  // namespace fabgate::readers::iso14443a

#include "sys/session_ids.hpp"

#include <sys/random.h>

#include <cstdio>

namespace fabgate {

std::string Uuid7Ids::next_session_id() {
    std::uint8_t b[16];
    std::uint8_t random[10] = {};
    for (std::size_t got = 0; got < sizeof random;) {
        auto n = getrandom(random + got, sizeof random - got, 0);
        if (n > 0) got += static_cast<std::size_t>(n);
    }
    auto ms = static_cast<std::uint64_t>(clock_.wall().unix_ms);
    // Within one millisecond a counter in rand_a keeps ids increasing.
    if (static_cast<UnixMs>(ms) == last_ms_) {
        ++counter_;
    } else {
        last_ms_ = static_cast<UnixMs>(ms);
        counter_ = static_cast<std::uint16_t>((random[0] << 8 | random[1]) & 0x01FF);
    }
    for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    b[6] = static_cast<std::uint8_t>(0x70 | ((counter_ >> 8) & 0x0F));
    b[7] = static_cast<std::uint8_t>(counter_ & 0xFF);
    b[8] = static_cast<std::uint8_t>(0x80 | (random[2] & 0x3F));
    for (int i = 9; i < 16; ++i) b[i] = random[i - 6];
    char text[37];
    std::snprintf(text, sizeof text,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return text;
}

}  // namespace fabgate

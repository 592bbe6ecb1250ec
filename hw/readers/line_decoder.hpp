#pragma once
// Readers in "line" mode print each UID as text followed by CR and/or LF. The line is
// parsed as hex or decimal (ReaderConfig.uid_format) and byte-swapped if the reader sends
// the least significant byte first.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/uid.hpp"
#include "readers/drop_counts.hpp"
#include "readers/uid_text.hpp"

namespace fabgate::readers {

class LineDecoder {
  public:
    // A 10-byte UID with separators is 29 characters; anything far longer is noise.
    static constexpr std::size_t kMaxLine = 64;

    // Why a line was dropped.
    enum class Drop {
        TooLong,
        Invalid,  // not a UID in the configured format
    };
    static constexpr std::array<DropReason, 2> kDropReasons{"line.too_long", "line.invalid"};
    using Drops = DropTally<Drop, kDropReasons>;

    explicit LineDecoder(UidTextFormat format) : format_(format) {}

    std::vector<Uid> feed(std::span<const std::uint8_t> chunk);
    void reset() {
        line_.clear();
        overflow_ = false;
    }

    const Drops& drops() const { return drops_; }

  private:
    void end_line(std::vector<Uid>& out);

    UidTextFormat format_;
    std::string line_;
    bool overflow_ = false;  // drop the rest of the line up to the terminator
    Drops drops_;
};

}  // namespace fabgate::readers

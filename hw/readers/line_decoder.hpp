#pragma once
// Readers in "line" mode print each UID as text followed by CR and/or LF. The line is
// parsed as hex or decimal (ReaderConfig.uid_format) and byte-swapped if the reader sends
// the least significant byte first.
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

    struct Drops {
        std::uint64_t too_long = 0;
        std::uint64_t invalid = 0;  // not a UID in the configured format
        std::uint64_t total() const { return too_long + invalid; }
    };

    explicit LineDecoder(UidTextFormat format) : format_(format) {}

    std::vector<Uid> feed(std::span<const std::uint8_t> chunk);
    void reset() {
        line_.clear();
        overflow_ = false;
    }

    const Drops& drops() const { return drops_; }
    void add_drop_counts(DropCounts& counts) const;

  private:
    void end_line(std::vector<Uid>& out);

    UidTextFormat format_;
    std::string line_;
    bool overflow_ = false;  // drop the rest of the line up to the terminator
    Drops drops_;
};

}  // namespace fabgate::readers

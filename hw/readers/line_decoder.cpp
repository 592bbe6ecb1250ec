#include "readers/line_decoder.hpp"

namespace fabgate::readers {

std::vector<Uid> LineDecoder::feed(std::span<const std::uint8_t> chunk) {
    std::vector<Uid> out;
    for (std::uint8_t byte : chunk) {
        if (byte == '\r' || byte == '\n') {
            end_line(out);
            continue;
        }
        if (overflow_) continue;
        if (line_.size() >= kMaxLine) {
            ++drops_[Drop::TooLong];
            overflow_ = true;
            line_.clear();
            continue;
        }
        line_.push_back(static_cast<char>(byte));
    }
    return out;
}

void LineDecoder::end_line(std::vector<Uid>& out) {
    if (overflow_) {
        overflow_ = false;
        return;
    }
    // CR LF gives an empty line after the CR: not a read.
    if (line_.empty()) return;
    auto uid = parse_uid_text(line_, format_);
    line_.clear();
    if (!uid) {
        ++drops_[Drop::Invalid];
        return;
    }
    out.push_back(*uid);
}

}  // namespace fabgate::readers

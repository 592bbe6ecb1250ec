#pragma once
// The drop counts a reader reports, as an installer reads them in its log or probe output. Only
// the reasons that counted something are listed, so a check that names one reason also proves
// that its count was not reported under another reason's name.
#include <string>

#include "readers/drop_counts.hpp"

namespace fabgate::test {

// One input a decoder must drop, as a row of a test's table, and what is then reported for it.
template <class Input>
struct DroppedInput {
    std::string what;  // the fault, in an installer's words
    Input input;
    std::string reported;  // as reported_drops() lists it
};

// "rdm6300.bad_char=1 rdm6300.noise_bytes=2", by name; "" when nothing was dropped.
template <class Tally>
std::string reported_drops(const Tally& drops) {
    readers::DropCounts counts;
    drops.add_to(counts);
    std::string out;
    for (const auto& [name, count] : counts) {
        if (count == 0) continue;
        if (!out.empty()) out += ' ';
        out += name + "=" + std::to_string(count);
    }
    return out;
}

}  // namespace fabgate::test

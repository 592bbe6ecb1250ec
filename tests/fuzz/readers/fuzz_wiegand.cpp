// Any pulse train (bit + time step per byte): no crash; only 3- or 4-byte UIDs come out, and
// a frame is never split or merged differently whether closed by time or by the next bit.
#include <cstdint>
#include <cstdlib>

#include "readers/wiegand_assembler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fabgate;
    readers::WiegandAssembler w;
    MonoMs t = 0;
    auto check = [](const std::optional<Uid>& uid) {
        if (uid && uid->bytes().size() != 3 && uid->bytes().size() != 4) std::abort();
    };
    for (std::size_t i = 0; i < size; ++i) {
        // Low bit: D0/D1. Upper bits: ms since the last pulse (0..127), sometimes past the gap.
        t += data[i] >> 1;
        if (data[i] == 0xFF) {
            check(w.close_if_idle(t));
            continue;
        }
        check(w.bit(data[i] & 1, t));
        auto deadline = w.next_deadline();
        if (!deadline || *deadline <= t) std::abort();
    }
    check(w.close_if_idle(t + 1000));
    if (w.pending_bits() != 0) std::abort();
    return 0;
}

// Any byte stream: no crash, only 5-byte UIDs whose checksum held, and the same UIDs whether
// the bytes arrive at once or one by one (chunking must not matter).
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "readers/rdm6300_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fabgate::readers::Rdm6300Decoder whole;
    auto at_once = whole.feed({data, size});
    fabgate::readers::Rdm6300Decoder bytewise;
    std::vector<fabgate::Uid> one_by_one;
    for (std::size_t i = 0; i < size; ++i) {
        auto got = bytewise.feed({data + i, 1});
        one_by_one.insert(one_by_one.end(), got.begin(), got.end());
    }
    if (at_once != one_by_one) std::abort();
    for (const auto& uid : at_once)
        if (uid.bytes().size() != 5) std::abort();
    return 0;
}

// Any byte stream in every text format: no crash; every UID is one Uid::parse accepts.
#include <cstdint>
#include <cstdlib>

#include "readers/line_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fabgate;
    if (size == 0) return 0;
    // The first byte picks the format, the rest is the stream.
    readers::UidTextFormat format{data[0] & 1 ? UidFormat::Decimal : UidFormat::Hex,
                                  1 + (data[0] >> 1) % 8,
                                  data[0] & 0x80 ? ByteOrder::LsbFirst : ByteOrder::MsbFirst};
    readers::LineDecoder decoder(format);
    for (const auto& uid : decoder.feed({data + 1, size - 1}))
        if (uid.empty() || !Uid::parse(uid.hex()) || uid.bytes().size() > Uid::kMaxBytes)
            std::abort();
    return 0;
}

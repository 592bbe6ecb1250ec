// Any sequence of (type, code, value) records: no crash; every UID is a valid one.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "readers/evdev_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace fabgate;
    if (size == 0) return 0;
    readers::UidTextFormat format{data[0] & 1 ? UidFormat::Decimal : UidFormat::Hex, 4,
                                  data[0] & 2 ? ByteOrder::LsbFirst : ByteOrder::MsbFirst};
    readers::EvdevDecoder decoder(format);
    // 4-byte records keep the fuzzer's search small: type is mostly EV_KEY, value 0..3.
    for (std::size_t i = 1; i + 4 <= size; i += 4) {
        readers::KeyEvent e;
        e.type = data[i] < 0xF0 ? readers::evdev::kEvKey : data[i] & 0x0F;
        e.code = static_cast<std::uint16_t>(data[i + 1] | (data[i + 2] & 0x01) << 8);
        e.value = data[i + 3] & 0x03;
        if (auto uid = decoder.feed(e);
            uid && (uid->empty() || uid->bytes().size() > Uid::kMaxBytes))
            std::abort();
    }
    return 0;
}

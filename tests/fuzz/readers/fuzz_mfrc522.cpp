// The driver against a chip answering with arbitrary register values (a broken module, noise on
// SPI): no crash, no endless loop, and any UID it reports has an ISO 14443A size (4, 7, 10).
#include <cstdint>
#include <cstdlib>

#include "readers/mfrc522_reader.hpp"

namespace {

class FuzzBus final : public fabgate::readers::Mfrc522Bus {
  public:
    FuzzBus(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    fabgate::Result<std::uint8_t> read(std::uint8_t) override {
        if (pos_ >= size_) return fabgate::fail("fuzz", "out of data");
        return data_[pos_++];
    }
    fabgate::Status write(std::uint8_t, std::uint8_t) override { return {}; }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzBus bus(data, size);
    fabgate::readers::Mfrc522Reader reader(bus, {.miss_limit = 2, .max_irq_polls = 50});
    if (!reader.init()) return 0;
    for (int i = 0; i < 8; ++i) {
        auto events = reader.poll();
        if (!events) return 0;
        if (events->presented) {
            auto n = events->presented->bytes().size();
            if (n != 4 && n != 7 && n != 10) std::abort();
        }
    }
    return 0;
}

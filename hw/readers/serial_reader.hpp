#pragma once
// Serial readers: RDM6300 frames or one UID per text line, on a tty.
#include <variant>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "readers/line_decoder.hpp"
#include "readers/presence_reporter.hpp"
#include "readers/rdm6300_decoder.hpp"
#include "readers/stream_device_reader.hpp"

namespace fabgate::readers {

class SerialReader final : public StreamDeviceReader {
  public:
    SerialReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                 const Clock& clock, std::chrono::milliseconds retry_interval);
    ~SerialReader() override;

    std::string describe() const override;
    DropCounts drop_counts() const override;

  private:
    Status connect() override;
    void consume(std::span<const std::uint8_t> bytes) override;
    void forget_partial_input() override;

    ReaderConfig config_;
    std::variant<Rdm6300Decoder, LineDecoder> decoder_;
    PresenceReporter presence_;
};

}  // namespace fabgate::readers

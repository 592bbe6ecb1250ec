#pragma once
// Serial readers: RDM6300 frames or one UID per text line, on a tty.
#include <variant>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "readers/device_reader.hpp"
#include "readers/line_decoder.hpp"
#include "readers/presence_reporter.hpp"
#include "readers/rdm6300_decoder.hpp"

namespace fabgate::readers {

class SerialReader final : public DeviceReader {
  public:
    SerialReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                 const Clock& clock, std::chrono::milliseconds retry_interval);
    ~SerialReader() override;

    std::string describe() const override;
    DropCounts drop_counts() const override;

  private:
    Status connect() override;
    void disconnect() override;
    void on_readable(std::uint32_t events);
    void decode(std::span<const std::uint8_t> bytes);

    ReaderConfig config_;
    std::variant<Rdm6300Decoder, LineDecoder> decoder_;
    PresenceReporter presence_;
    int fd_ = -1;
};

}  // namespace fabgate::readers

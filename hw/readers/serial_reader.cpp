#include "readers/serial_reader.hpp"

#include "readers/serial_port.hpp"

namespace fabgate::readers {
namespace {

std::variant<Rdm6300Decoder, LineDecoder> make_decoder(const ReaderConfig& config) {
    if (config.type == ReaderType::Rdm6300) return Rdm6300Decoder{};
    return LineDecoder(UidTextFormat::from(config));
}

}  // namespace

SerialReader::SerialReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                           const Clock& clock, std::chrono::milliseconds retry_interval)
    : DecodingStreamReader(config, loop, events, clock, retry_interval, 256, make_decoder(config),
                           "bad frame(s)"),
      config_(config) {}

Status SerialReader::connect() {
    TRY_ASSIGN(auto fd, open_serial(device_, config_.baud));
    return watch(fd);
}

std::string SerialReader::describe() const {
    std::string kind = config_.type == ReaderType::Rdm6300 ? "rdm6300" : "line";
    return kind + " on " + device_ + " at " + std::to_string(config_.baud) + " baud (" +
           state_text() + ")";
}

}  // namespace fabgate::readers

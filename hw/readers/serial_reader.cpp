#include "readers/serial_reader.hpp"

#include "readers/serial_port.hpp"
#include "sys/log.hpp"

namespace fabgate::readers {
namespace {

std::variant<Rdm6300Decoder, LineDecoder> make_decoder(const ReaderConfig& config) {
    if (config.type == ReaderType::Rdm6300) return Rdm6300Decoder{};
    return LineDecoder(UidTextFormat::from(config));
}

}  // namespace

SerialReader::SerialReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                           const Clock& clock, std::chrono::milliseconds retry_interval)
    : StreamDeviceReader(loop, events, config.device, retry_interval, 256),
      config_(config),
      decoder_(make_decoder(config)),
      presence_(loop, events, clock, config.repeat_suppress_ms) {}

SerialReader::~SerialReader() {
    disconnect();
}

Status SerialReader::connect() {
    TRY_ASSIGN(auto fd, open_serial(device_, config_.baud));
    return watch(fd);
}

void SerialReader::forget_partial_input() {
    std::visit([](auto& d) { d.reset(); }, decoder_);
}

void SerialReader::consume(std::span<const std::uint8_t> bytes) {
    auto before = std::visit([](auto& d) { return d.drops().total(); }, decoder_);
    auto uids = std::visit([&](auto& d) { return d.feed(bytes); }, decoder_);
    auto after = std::visit([](auto& d) { return d.drops().total(); }, decoder_);
    if (after != before)
        log::debug("reader",
                   "dropped " + std::to_string(after - before) + " bad frame(s) from " + device_);
    for (const auto& uid : uids) presence_.sighting(uid);
}

std::string SerialReader::describe() const {
    std::string kind = config_.type == ReaderType::Rdm6300 ? "rdm6300" : "line";
    return kind + " on " + device_ + " at " + std::to_string(config_.baud) + " baud (" +
           state_text() + ")";
}

DropCounts SerialReader::drop_counts() const {
    DropCounts counts;
    std::visit([&](const auto& d) { d.add_drop_counts(counts); }, decoder_);
    return counts;
}

}  // namespace fabgate::readers

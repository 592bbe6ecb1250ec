#include "readers/reader_factory.hpp"

#include "readers/serial_reader.hpp"

namespace fabgate::readers {

Result<std::unique_ptr<BadgeReader>> open_badge_reader(const ReaderConfig& config, EventLoop& loop,
                                                       HardwareEvents& events, const Clock& clock) {
    return open_badge_reader(config, loop, events, clock, ReaderRuntimeOptions{});
}

Result<std::unique_ptr<BadgeReader>> open_badge_reader(const ReaderConfig& config, EventLoop& loop,
                                                       HardwareEvents& events, const Clock& clock,
                                                       const ReaderRuntimeOptions& options) {
    if (config.device.empty() && config.type != ReaderType::Wiegand &&
        config.type != ReaderType::Sim)
        return fail("hardware.reader.device", "is required for this reader type");
    std::unique_ptr<DeviceReader> reader;
    switch (config.type) {
        case ReaderType::Rdm6300:
        case ReaderType::Line:
            reader =
                std::make_unique<SerialReader>(config, loop, events, clock, options.retry_interval);
            break;
        case ReaderType::Evdev:
            reader = std::make_unique<EvdevReader>(config, loop, events, clock,
                                                   options.retry_interval, options.evdev_grab);
            break;
        case ReaderType::Mfrc522:
            reader = std::make_unique<SpiMfrc522Reader>(
                config, loop, events, options.retry_interval, options.mfrc522_bus);
            break;
        case ReaderType::Wiegand:
            return fail("hardware.reader.type",
                        "wiegand readers are built by the GPIO adapter (hw/gpio), not here");
        case ReaderType::Sim:
            return fail(
                "hardware.reader.type",
                "the simulated reader is built by the simulation (firmware-host), not here");
    }
    reader->start();
    return std::unique_ptr<BadgeReader>(std::move(reader));
}

}  // namespace fabgate::readers

#pragma once
// Builds the badge reader the configuration names. A device that is absent at start is not an
// error: the reader reports device_fault("reader", true, ...) and keeps retrying, so the gate
// still starts (relay off). Errors are only for configurations this factory cannot build.
#include <chrono>
#include <memory>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "core/ports.hpp"
#include "core/result.hpp"
#include "loop/event_loop.hpp"
#include "readers/badge_reader.hpp"
#include "readers/evdev_reader.hpp"
#include "readers/spi_mfrc522_reader.hpp"

namespace fabgate::readers {

struct ReaderRuntimeOptions {
    std::chrono::milliseconds retry_interval{2000};
    EvdevReader::Grab evdev_grab = EvdevReader::grab_exclusively;
    Mfrc522BusOpener mfrc522_bus = open_spidev_bus;
};

// Rdm6300, Line, Evdev, Mfrc522. Wiegand (GPIO adapter) and Sim (simulated hardware) are
// built elsewhere and give an error naming that.
Result<std::unique_ptr<BadgeReader>> open_badge_reader(const ReaderConfig& config, EventLoop& loop,
                                                       HardwareEvents& events, const Clock& clock);
Result<std::unique_ptr<BadgeReader>> open_badge_reader(const ReaderConfig& config, EventLoop& loop,
                                                       HardwareEvents& events, const Clock& clock,
                                                       const ReaderRuntimeOptions& options);

}  // namespace fabgate::readers

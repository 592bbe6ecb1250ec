#pragma once
// USB keyboard-wedge readers through evdev, grabbed so their keystrokes do not reach a console.
#include <functional>
#include <vector>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "readers/evdev_decoder.hpp"
#include "readers/presence_reporter.hpp"
#include "readers/stream_device_reader.hpp"

namespace fabgate::readers {

class EvdevReader final : public StreamDeviceReader {
  public:
    // Takes the device for this process alone (EVIOCGRAB by default). Injectable because a
    // test feeds recorded events through a FIFO, where grabbing is impossible.
    using Grab = std::function<Status(int fd)>;
    static Status grab_exclusively(int fd);

    EvdevReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                const Clock& clock, std::chrono::milliseconds retry_interval,
                Grab grab = grab_exclusively);
    ~EvdevReader() override;

    std::string describe() const override;
    DropCounts drop_counts() const override;

  private:
    Status connect() override;
    void consume(std::span<const std::uint8_t> bytes) override;
    void forget_partial_input() override;

    Grab grab_;
    EvdevDecoder decoder_;
    PresenceReporter presence_;
    std::vector<std::uint8_t> pending_;  // a read may end inside an input_event record
};

}  // namespace fabgate::readers

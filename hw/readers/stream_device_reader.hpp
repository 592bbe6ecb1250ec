#pragma once
// A device reader whose device is one non-blocking descriptor delivering a byte stream (a tty,
// an evdev node; a FIFO or pty in tests). The read loop and what counts as losing the device
// live here once, so every stream reader drains, closes and retries the same way; a subclass
// opens its device and decodes the bytes.
#include <cstdint>
#include <span>
#include <vector>

#include "readers/device_reader.hpp"

namespace fabgate::readers {

class StreamDeviceReader : public DeviceReader {
  protected:
    // Each read takes at most `read_chunk` bytes.
    StreamDeviceReader(EventLoop& loop, HardwareEvents& events, std::string device,
                       std::chrono::milliseconds retry_interval, std::size_t read_chunk);
    ~StreamDeviceReader() override;

    // Takes a freshly opened descriptor (closed by disconnect() from now on) and reads it
    // whenever it is readable.
    Status watch(int fd);
    // The bytes of one read, in the order the device sent them.
    virtual void consume(std::span<const std::uint8_t> bytes) = 0;
    // The device is closed: half a frame or record from it must not join the next one's bytes.
    virtual void forget_partial_input() = 0;

    // Calls forget_partial_input(): a subclass's destructor calls it while it is still whole.
    void disconnect() final;

  private:
    void on_readable(std::uint32_t events);

    std::vector<std::uint8_t> buffer_;
    int fd_ = -1;
};

}  // namespace fabgate::readers

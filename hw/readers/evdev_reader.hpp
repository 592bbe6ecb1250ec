#pragma once
// USB keyboard-wedge readers through evdev, grabbed so their keystrokes do not reach a console.
#include <functional>
#include <vector>

#include "readers/decoding_stream_reader.hpp"
#include "readers/evdev_decoder.hpp"

namespace fabgate::readers {

// The kernel's input_event records, which a read may end inside, through the key decoder.
class EvdevRecordDecoder {
  public:
    explicit EvdevRecordDecoder(UidTextFormat format) : keys_(format) {}

    std::vector<Uid> feed(std::span<const std::uint8_t> bytes);
    void reset();
    const EvdevDecoder::Drops& drops() const { return keys_.drops(); }

  private:
    EvdevDecoder keys_;
    std::vector<std::uint8_t> pending_;  // the start of a record the next read completes
};

class EvdevReader final : public DecodingStreamReader<EvdevRecordDecoder> {
  public:
    // Takes the device for this process alone (EVIOCGRAB by default). Injectable because a
    // test feeds recorded events through a FIFO, where grabbing is impossible. An error fails
    // the open (a fault, retried): the default fails only when another program holds the grab.
    using Grab = std::function<Status(int fd)>;
    static Status grab_exclusively(int fd);

    EvdevReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                const Clock& clock, std::chrono::milliseconds retry_interval,
                Grab grab = grab_exclusively);

    std::string describe() const override;

  private:
    Status connect() override;

    Grab grab_;
};

}  // namespace fabgate::readers

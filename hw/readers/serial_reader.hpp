#pragma once
// Serial readers: RDM6300 frames or one UID per text line, on a tty.
#include "readers/decoding_stream_reader.hpp"
#include "readers/line_decoder.hpp"
#include "readers/rdm6300_decoder.hpp"

namespace fabgate::readers {

class SerialReader final : public DecodingStreamReader<Rdm6300Decoder, LineDecoder> {
  public:
    SerialReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                 const Clock& clock, std::chrono::milliseconds retry_interval);

    std::string describe() const override;

  private:
    Status connect() override;

    ReaderConfig config_;
};

}  // namespace fabgate::readers

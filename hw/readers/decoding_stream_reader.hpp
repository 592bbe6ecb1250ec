#pragma once
// A stream reader whose bytes go through a decoder and on to the gate as badge sightings: all
// that the serial and evdev readers share besides opening their device. The decoder is one of
// `Decoders` (chosen by the reader's type); each takes chunks cut anywhere (feed), forgets a
// partial frame (reset), and counts what it drops rather than guessing a UID from it.
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "readers/presence_reporter.hpp"
#include "readers/stream_device_reader.hpp"
#include "sys/log.hpp"

namespace fabgate::readers {

template <class... Decoders>
class DecodingStreamReader : public StreamDeviceReader {
  public:
    DropCounts drop_counts() const final {
        DropCounts counts;
        std::visit([&](const auto& d) { d.drops().add_to(counts); }, decoder_);
        return counts;
    }

  protected:
    using Decoder = std::variant<Decoders...>;

    // `dropped_unit` names what the decoder drops in the debug log ("bad frame(s)").
    DecodingStreamReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                         const Clock& clock, std::chrono::milliseconds retry_interval,
                         std::size_t read_chunk, Decoder decoder, std::string_view dropped_unit)
        : StreamDeviceReader(loop, events, config.device, retry_interval, read_chunk),
          decoder_(std::move(decoder)),
          dropped_unit_(dropped_unit),
          presence_(loop, events, clock, config.repeat_suppress_ms) {}
    // Here, where forget_partial_input() still finds the decoder (see disconnect()).
    ~DecodingStreamReader() override { disconnect(); }

  private:
    void consume(std::span<const std::uint8_t> bytes) final {
        auto before = dropped();
        auto uids = std::visit([&](auto& d) { return d.feed(bytes); }, decoder_);
        if (auto after = dropped(); after != before)
            log::debug("reader", "dropped " + std::to_string(after - before) + " " +
                                     std::string(dropped_unit_) + " from " + device_);
        for (const auto& uid : uids) presence_.sighting(uid);
    }

    void forget_partial_input() final {
        std::visit([](auto& d) { d.reset(); }, decoder_);
    }

    std::uint64_t dropped() const {
        return std::visit([](const auto& d) { return d.drops().total(); }, decoder_);
    }

    Decoder decoder_;
    std::string_view dropped_unit_;
    PresenceReporter presence_;
};

}  // namespace fabgate::readers

#pragma once
// A Wiegand reader on two GPIO lines: falling edges on D0 and D1 read off the loop, merged in
// time order and fed to the frame assembler (wiegand_feed.hpp), which reports the badge. A lost
// data line drops the partial frame: half a frame is noise, never a card.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ports.hpp"
#include "gpio/input_group.hpp"
#include "gpio/line_supervisor.hpp"
#include "gpio/watched_input.hpp"
#include "gpio/wiegand_feed.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

class WiegandLines final : public InputGroup {
  public:
    WiegandLines(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines,
                 HardwareEvents& events, const Clock& clock, const InputLine& d0,
                 const InputLine& d1, MonoMs repeat_suppress_ms, LostLine lost,
                 std::function<void()> changed);
    ~WiegandLines() override;

    // Ends the frame whose pulses have stopped, once the edges still queued are read.
    void service(MonoMs now) override;
    std::optional<MonoMs> next_deadline() const override;
    bool missing() const;

  private:
    std::size_t line_count() const override { return data_.size(); }
    WatchedLine& line(std::size_t index) override { return data_[index]; }
    void acquired(std::size_t index) override;
    void ready(std::size_t index, std::uint32_t events) override;
    // A line of its own ("wiegand_d0"/"wiegand_d1") was let go: the partial frame is dropped.
    void released_line() override;
    // Reads both lines into the frame; the number of pulses, or nullopt if a line was lost
    // (already handled).
    std::optional<std::size_t> drain();
    // One debug line per frame dropped since the last call, saying why.
    void log_drops();

    std::array<WatchedLine, 2> data_;  // D0 (0 bits), D1 (1 bits)
    WiegandFeed feed_;
    readers::WiegandAssembler::Drops logged_drops_;
};

}  // namespace fabgate::gpio

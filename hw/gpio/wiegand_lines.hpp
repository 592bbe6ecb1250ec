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
#include "gpio/line_supervisor.hpp"
#include "gpio/watched_input.hpp"
#include "gpio/wiegand_feed.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

class WiegandLines {
  public:
    // `lost` is told of a data line that failed; `changed` of pulses that moved a deadline.
    WiegandLines(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines,
                 HardwareEvents& events, const Clock& clock, const InputLine& d0,
                 const InputLine& d1, MonoMs repeat_suppress_ms, LostLine lost,
                 std::function<void()> changed);
    ~WiegandLines();
    WiegandLines(const WiegandLines&) = delete;
    WiegandLines& operator=(const WiegandLines&) = delete;

    void acquire_missing();
    // Ends the frame whose pulses have stopped, once the edges still queued are read.
    void service(MonoMs now);
    std::optional<MonoMs> next_deadline() const;

    // Both lines read again; one that fails is released and marked missing.
    void check_held();
    // A line of its own ("wiegand_d0"/"wiegand_d1") released, and the partial frame dropped.
    void release(const std::string& role);
    void release_all();
    bool missing() const;

  private:
    void acquire(WatchedLine& line);
    void on_ready(WatchedLine& line, std::uint32_t events);
    // Reads both lines into the frame; the number of pulses, or nullopt if a line was lost
    // (already handled).
    std::optional<std::size_t> drain();
    // One debug line per frame dropped since the last call, saying why.
    void log_drops();

    EventLoop& loop_;
    GpioBackend& backend_;
    LineSupervisor& lines_;
    const Clock& clock_;
    LostLine lost_;
    std::function<void()> changed_;
    std::array<WatchedLine, 2> data_;  // D0 (0 bits), D1 (1 bits)
    WiegandFeed feed_;
    readers::WiegandAssembler::Drops logged_drops_;
};

}  // namespace fabgate::gpio

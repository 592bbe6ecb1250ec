#pragma once
// What the debounced inputs and the Wiegand data lines share: an input line requested and
// watched on the loop, and the kernel's edge timestamps read against the gate's clock.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "gpio/gpio_lines.hpp"
#include "gpio/line_supervisor.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

using LostLine = std::function<void(const std::string& role, const std::string& reason)>;

// The line, its fd watched; on an error nothing is held.
Result<std::unique_ptr<InputPort>> request_watched(GpioBackend& backend, EventLoop& loop,
                                                   const InputLine& input, Edge edge,
                                                   const std::string& role,
                                                   std::function<void(std::uint32_t)> on_ready);
// Stops watching and releases the line; nothing if it is not held.
void release_watched(EventLoop& loop, std::unique_ptr<InputPort>& port);

// An input line by the role the supervisor knows it as, and while held its watched port.
struct WatchedLine {
    std::string role;
    InputLine input;
    std::unique_ptr<InputPort> port;
};

// Requests and watches the line; on an error nothing is held and its fault is marked (the
// supervisor retries it). Whether the line is now held.
bool acquire_watched(WatchedLine& line, Edge edge, GpioBackend& backend, EventLoop& loop,
                     LineSupervisor& lines, std::function<void(std::uint32_t)> on_ready);
// A held line read again: one that fails is released and its fault marked.
void check_still_held(WatchedLine& line, EventLoop& loop, LineSupervisor& lines);

// An edge's time on the gate's clock: the kernel's timestamp, or now for one from another clock.
MonoMs edge_time(const Clock& clock, std::int64_t timestamp_ns);

}  // namespace fabgate::gpio

#pragma once
// The GPIO lines a gate uses, behind a small interface: libgpiod (v1 or v2 API, chosen when
// configuring the build) on a Pi, an in-memory fake in tests. Levels are LOGICAL: the kernel
// applies active_low, so `true` is "relay on", "lid open", "busy" whatever the wiring.
//
// A chip is named as in the config: "gpiochip0", "/dev/gpiochip0" or its label
// ("pinctrl-bcm2711"); a line by offset or by name ("GPIO17").
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/hardware_config.hpp"
#include "core/result.hpp"

namespace fabgate::gpio {

// Which logical edges produce events. Falling = the line went inactive.
enum class Edge { Both, Falling };

struct LineEvent {
    bool rising = false;            // the logical level after the edge
    std::int64_t timestamp_ns = 0;  // kernel timestamp, CLOCK_MONOTONIC
};

class OutputPort {
  public:
    virtual ~OutputPort() = default;
    virtual Status set(bool active) = 0;
};

class InputPort {
  public:
    virtual ~InputPort() = default;
    // Readable when edge events are queued; for the EventLoop.
    virtual int fd() const = 0;
    virtual Result<bool> get() = 0;
    // The events queued now, oldest first; never blocks. An error means the line is gone.
    virtual Result<std::vector<LineEvent>> read_events() = 0;
};

class GpioBackend {
  public:
    virtual ~GpioBackend() = default;
    // The line is driven to `initial` as part of the request, so it never glitches on.
    virtual Result<std::unique_ptr<OutputPort>> request_output(const GpioLine& line, bool initial,
                                                               std::string_view consumer) = 0;
    virtual Result<std::unique_ptr<InputPort>> request_input(const InputLine& input, Edge edge,
                                                             std::string_view consumer) = 0;
    // Every chip with its label and lines (offset, name, consumer), for `fabgate --probe`.
    virtual std::string describe_chips() = 0;
};

// libgpiod as configured (FABGATE_GPIOD_API 1 or 2); an error in a build without it.
Result<std::unique_ptr<GpioBackend>> open_gpiod_backend();
// 0 (none), 1 or 2.
int gpiod_api();

// "GPIO17 on gpiochip0", "line 17 on pinctrl-bcm2711 (active low)": for logs.
std::string describe_line(const GpioLine& line);

}  // namespace fabgate::gpio

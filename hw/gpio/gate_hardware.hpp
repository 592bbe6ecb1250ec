#pragma once
// The Raspberry Pi hardware of a gate: relay, after-run output, LEDs, buzzer, inputs and badge
// reader, on libgpiod. The relay is off when this returns and off again when it is destroyed.
// A chip or line missing at start is a device fault the gate starts in (relay off) and recovers
// from without a restart; only a configuration that cannot work is an error.
#include <memory>

#include "core/clock.hpp"
#include "core/hardware_config.hpp"
#include "core/ports.hpp"
#include "core/result.hpp"
#include "gpio/gpio_gate.hpp"
#include "gpio/gpio_lines.hpp"
#include "loop/event_loop.hpp"

namespace fabgate {

Result<std::unique_ptr<Outputs>> open_gpio_hardware(const HardwareConfig& config, EventLoop& loop,
                                                    HardwareEvents& events, const Clock& clock);

// The same with the GPIO backend and timings injected: tests pass an in-memory fake.
Result<std::unique_ptr<gpio::GpioGate>> open_gpio_hardware(
    const HardwareConfig& config, EventLoop& loop, HardwareEvents& events, const Clock& clock,
    std::unique_ptr<gpio::GpioBackend> backend, gpio::GpioOptions options);

// The reader factory of hw/readers, when this build has it.
gpio::ReaderOpener default_reader_opener();

}  // namespace fabgate

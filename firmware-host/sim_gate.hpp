#pragma once
#include <memory>

#include "core/clock.hpp"
#include "core/gate_config.hpp"
#include "core/ports.hpp"
#include "loop/event_loop.hpp"

namespace fabgate {

// Simulated hardware for a whole gate: SimHardware plus, when the config names one, the
// control socket that drives it.
Result<std::unique_ptr<Outputs>> open_sim_hardware(const GateConfig& config, EventLoop& loop,
                                                   HardwareEvents& events, const Clock& clock);

}  // namespace fabgate

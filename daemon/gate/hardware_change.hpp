#pragma once
// What a config reload may not change while the gate runs: the lines and the reader are held
// open by the hardware adapter, so a new wiring needs a restart.
#include <string>

#include "core/hardware_config.hpp"

namespace fabgate {

// The first part of `hardware` that differs ("hardware.reader", "hardware.inputs.busy"), or
// empty when both describe the same wiring.
std::string hardware_change(const HardwareConfig& running, const HardwareConfig& fresh);

}  // namespace fabgate

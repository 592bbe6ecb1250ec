#pragma once
// The relay switched off without a running gate: `fabgate --relay-off` (run by systemd's
// ExecStopPost after every kind of exit) and the daemon's first step at start.
#include <string>

#include "core/hardware_config.hpp"
#include "core/result.hpp"

namespace fabgate {

// Drives the relay and after-run lines of the config at `config_path` (the embedded demo config
// when empty) off, and those the daemon recorded driving (record_driven_outputs), logging what
// it did and which config fields were bad. Returns the exit status: 0 switched off (or
// simulated hardware), 1 otherwise, with the reason logged.
int run_relay_off(const std::string& config_path);

// Under systemd ($RUNTIME_DIRECTORY set): records the relay and after-run lines the daemon is
// about to drive, so that relay-off still switches them off once the config file names others
// (an admin edited it under a daemon that then hung or was killed). Nothing otherwise.
Status record_driven_outputs(const HardwareConfig& hardware);

// The same before the daemon reads its config for real: a config that does not validate still
// gets its relay switched off before the start fails. Logs; never fails the start by itself.
void relay_off_before_start(const std::string& config_path);

}  // namespace fabgate

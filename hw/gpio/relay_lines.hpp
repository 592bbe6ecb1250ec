#pragma once
// The relay and after-run lines of a gate config, read TOLERANTLY: the config may not validate
// (a bad field elsewhere, a syntax error), and the machine must be switched off all the same.
// Used by `fabgate --relay-off` (systemd's ExecStopPost) and by the daemon's first step.
//
// Tolerant about everything but the line descriptions themselves: a relay whose chip, line or
// active_low is unreadable is NOT guessed, because a guessed active_low drives an active-low
// relay module ON.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hardware_config.hpp"

namespace fabgate::gpio {

struct RelayLines {
    // hardware.kind is "sim" (or absent, its default): there is no GPIO line to switch.
    bool simulated = false;
    std::optional<GpioLine> relay;
    std::optional<GpioLine> after_run;
    // What was wrong or had to be worked around, each naming its field: for the log.
    std::vector<std::string> notes;
};

RelayLines find_relay_lines(std::string_view config_text);

// The lines a running daemon drives, recorded for `fabgate --relay-off` (relay_off.hpp), in the
// config's own shape: {"hardware": {"kind": "gpio", "outputs": {"relay": {...}, ...}}}.
std::string driven_lines_record(const std::optional<GpioLine>& relay,
                                const std::optional<GpioLine>& after_run);
// Read back as tolerantly as a config; notes name the record's fields.
RelayLines find_driven_lines(std::string_view record);

}  // namespace fabgate::gpio

#pragma once
// Switching a gate's machine off without the daemon: the relay and after-run lines are
// requested as outputs already at their OFF level (active_low applied by the kernel), then
// released. A Raspberry Pi keeps a released output at that level; so does the gpio-sim the HIL
// stage builds. `fabgate --relay-off` (systemd's ExecStopPost) and the daemon's first step.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "gpio/gpio_lines.hpp"
#include "gpio/relay_lines.hpp"

namespace fabgate::gpio {

enum class RelayOffVerdict {
    Done,         // every line found was driven off
    Simulated,    // simulated hardware: nothing to switch
    NoRelayLine,  // the config names no readable relay line
    Failed,       // a line could not be driven off (errors say which and why)
};

struct RelayOffReport {
    RelayOffVerdict verdict = RelayOffVerdict::Failed;
    std::vector<std::string> notes;     // config problems met on the way, each naming its field
    std::vector<std::string> switched;  // "relay (GPIO17 on gpiochip0)"
    std::vector<Error> errors;
};

using BackendOpener = std::function<Result<std::unique_ptr<GpioBackend>>()>;

// The record of the outputs the running daemon drives, in its runtime directory
// ($RUNTIME_DIRECTORY, which systemd removes only after ExecStopPost has run). The config file
// can change under a running daemon: the lines it drove are what must go off when it dies.
inline constexpr const char* kDrivenOutputsFile = "driven-outputs.json";
// Written atomically (a new file renamed over the old), before the lines are requested.
Status record_driven_outputs(const std::string& runtime_dir, const std::optional<GpioLine>& relay,
                             const std::optional<GpioLine>& after_run);
// The record's text; empty when there is none. A record that is not a small regular file (a
// symlink, say: relay-off runs as root) is refused.
Result<std::string> read_driven_outputs(const std::string& runtime_dir);

// Finds the lines in `config_text` (tolerantly, see relay_lines.hpp) and in the record of the
// lines the daemon drove (`driven_record`, empty for none), and drives them all off: relay
// lines first. The backend is opened only when there is a line to switch.
RelayOffReport relay_off_from_config(std::string_view config_text,
                                     const BackendOpener& open_backend,
                                     std::string_view driven_record = {});

// The same for lines already known.
RelayOffReport drive_lines_off(const RelayLines& lines, GpioBackend& backend,
                               const RelayLines& driven = {});

// 0 Done or Simulated, 1 otherwise: the exit status of `fabgate --relay-off`.
int exit_code(const RelayOffReport& report);

}  // namespace fabgate::gpio

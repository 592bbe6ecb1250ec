#include "gpio/relay_off.hpp"

namespace fabgate::gpio {
namespace {

void drive_off(GpioBackend& backend, const std::string& role, const GpioLine& line,
               RelayOffReport& report) {
    auto port = backend.request_output(line, false, role);
    if (!port) {
        report.errors.push_back(
            {"hardware.outputs." + role, "cannot be driven off: " + port.error().message()});
        return;
    }
    // Requested at the off level already; set again so a backend that ignores the initial
    // value still ends off.
    if (auto set = (*port)->set(false); !set) {
        report.errors.push_back(
            {"hardware.outputs." + role, "cannot be driven off: " + set.error().message()});
        return;
    }
    report.switched.push_back(role + " (" + describe_line(line) + ")");
}

}  // namespace

RelayOffReport drive_lines_off(const RelayLines& lines, GpioBackend& backend) {
    RelayOffReport report;
    report.notes = lines.notes;
    if (lines.simulated) {
        report.verdict = RelayOffVerdict::Simulated;
        return report;
    }
    // The relay before anything else: the after-run fan can wait, the machine cannot.
    if (lines.relay) drive_off(backend, "relay", *lines.relay, report);
    if (lines.after_run) drive_off(backend, "after_run", *lines.after_run, report);
    if (!lines.relay)
        report.verdict = RelayOffVerdict::NoRelayLine;
    else
        report.verdict = report.errors.empty() ? RelayOffVerdict::Done : RelayOffVerdict::Failed;
    return report;
}

RelayOffReport relay_off_from_config(std::string_view config_text,
                                     const BackendOpener& open_backend) {
    auto lines = find_relay_lines(config_text);
    if (lines.simulated || (!lines.relay && !lines.after_run)) {
        RelayOffReport report;
        report.notes = lines.notes;
        report.verdict =
            lines.simulated ? RelayOffVerdict::Simulated : RelayOffVerdict::NoRelayLine;
        return report;
    }
    Result<std::unique_ptr<GpioBackend>> backend =
        open_backend ? open_backend() : fail("gpio", "no GPIO backend in this build");
    if (!backend) {
        RelayOffReport report;
        report.notes = lines.notes;
        report.errors.push_back(backend.error());
        report.verdict = RelayOffVerdict::Failed;
        return report;
    }
    return drive_lines_off(lines, **backend);
}

int exit_code(const RelayOffReport& report) {
    return report.verdict == RelayOffVerdict::Done || report.verdict == RelayOffVerdict::Simulated
               ? 0
               : 1;
}

}  // namespace fabgate::gpio

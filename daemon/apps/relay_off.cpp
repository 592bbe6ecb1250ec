#include "relay_off.hpp"

#include <cstdlib>
#include <optional>

#include "core/gate_config.hpp"
#include "core/json_reader.hpp"
#include "sys/log.hpp"
#ifdef FABGATE_HAVE_GPIO
#include "gpio/relay_off.hpp"
#endif

namespace fabgate {
namespace {

constexpr std::string_view kArea = "relay-off";

#ifdef FABGATE_HAVE_GPIO
// systemd's RuntimeDirectory= ($RUNTIME_DIRECTORY, the first if several), for the daemon and
// for its ExecStopPost alike: systemd removes it only after ExecStopPost has run.
std::optional<std::string> runtime_directory() {
    const char* dirs = std::getenv("RUNTIME_DIRECTORY");
    if (!dirs || !*dirs) return std::nullopt;
    std::string first(dirs);
    return first.substr(0, first.find(':'));
}

gpio::RelayOffReport switch_off(const std::string& config_path, bool& readable) {
    std::string text;
    std::optional<Error> unreadable;
    readable = true;
    if (config_path.empty()) {
        text = std::string(embedded_demo_config());
    } else if (auto read = read_text_file(config_path); read) {
        text = std::move(*read);
    } else {
        readable = false;
        unreadable = read.error();
    }
    // The lines the daemon drove: the config may have been edited since it read it.
    std::string record;
    std::optional<Error> record_error;
    if (auto dir = runtime_directory()) {
        if (auto read = gpio::read_driven_outputs(*dir); read)
            record = std::move(*read);
        else
            record_error = read.error();
    }
    gpio::RelayOffReport report;
    if (readable || !record.empty()) {
        // An unreadable config names no line ("{}" is simulated hardware): the record's only.
        report = gpio::relay_off_from_config(
            readable ? std::string_view(text) : "{}", [] { return gpio::open_gpiod_backend(); },
            record);
    }
    for (const auto& e : {unreadable, record_error}) {
        if (!e) continue;
        report.errors.push_back(*e);
        report.verdict = gpio::RelayOffVerdict::Failed;
    }
    return report;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : ", ") + part;
    return text;
}
#endif

}  // namespace

int run_relay_off(const std::string& config_path) {
    const std::string shown = config_path.empty() ? "the embedded demo config" : config_path;
#ifdef FABGATE_HAVE_GPIO
    bool readable = true;
    auto report = switch_off(config_path, readable);
    if (!report.notes.empty())
        log::warning(kArea, shown +
                                " has problems (below); relay-off reads only its "
                                "hardware.outputs.relay and after_run lines");
    for (const auto& note : report.notes) log::warning(kArea, shown + ": " + note);
    for (const auto& e : report.errors) log::error(kArea, e.message());
    switch (report.verdict) {
        case gpio::RelayOffVerdict::Simulated:
            log::notice(kArea, shown + ": simulated hardware, no GPIO line to switch off");
            break;
        case gpio::RelayOffVerdict::Done:
            log::notice(kArea, "switched off: " + joined(report.switched));
            break;
        case gpio::RelayOffVerdict::NoRelayLine:
            if (readable)
                log::error(kArea, shown +
                                      ": no readable hardware.outputs.relay line: the relay "
                                      "could NOT be switched off");
            break;
        case gpio::RelayOffVerdict::Failed:
            if (!report.switched.empty())
                log::notice(kArea, "switched off: " + joined(report.switched));
            log::error(kArea, "not every output could be switched off (see above)");
            break;
    }
    return gpio::exit_code(report);
#else
    auto config = config_path.empty() ? load_gate_config_text(embedded_demo_config())
                                      : load_gate_config_file(config_path);
    if (config && config->hardware.kind == HardwareKind::Sim) {
        log::notice(kArea, shown + ": simulated hardware, no GPIO line to switch off");
        return 0;
    }
    log::error(kArea, "this fabgate was built without libgpiod: it cannot switch a GPIO relay");
    return 1;
#endif
}

Status record_driven_outputs(const HardwareConfig& hardware) {
#ifdef FABGATE_HAVE_GPIO
    if (hardware.kind != HardwareKind::Gpio) return {};
    auto dir = runtime_directory();
    if (!dir) return {};  // not under systemd: no ExecStopPost to read it
    return gpio::record_driven_outputs(*dir, hardware.relay, hardware.after_run);
#else
    (void)hardware;
    return {};
#endif
}

void relay_off_before_start(const std::string& config_path) {
#ifdef FABGATE_HAVE_GPIO
    if (config_path.empty()) return;  // the embedded demo config: simulated hardware
    bool readable = true;
    auto report = switch_off(config_path, readable);
    if (!readable) return;  // loading the config says why
    switch (report.verdict) {
        case gpio::RelayOffVerdict::Simulated:
            break;
        case gpio::RelayOffVerdict::Done:
            log::info(kArea, "before start: switched off " + joined(report.switched));
            break;
        case gpio::RelayOffVerdict::NoRelayLine:
            log::error(kArea, config_path +
                                  ": no readable hardware.outputs.relay line: the relay could "
                                  "not be switched off before start");
            break;
        case gpio::RelayOffVerdict::Failed:
            // A line held by another program (a second gate?) is reported again, as a fault,
            // when the hardware is opened.
            for (const auto& e : report.errors) log::warning(kArea, "before start: " + e.message());
            break;
    }
#else
    (void)config_path;
#endif
}

}  // namespace fabgate

#include "relay_off.hpp"

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
gpio::RelayOffReport switch_off(const std::string& config_path, bool& readable) {
    std::string text;
    readable = true;
    if (config_path.empty()) {
        text = std::string(embedded_demo_config());
    } else if (auto read = read_text_file(config_path); read) {
        text = std::move(*read);
    } else {
        readable = false;
        gpio::RelayOffReport report;
        report.errors.push_back(read.error());
        return report;
    }
    return gpio::relay_off_from_config(text, [] { return gpio::open_gpiod_backend(); });
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

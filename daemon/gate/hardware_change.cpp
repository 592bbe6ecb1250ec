#include "gate/hardware_change.hpp"

#include <utility>

namespace fabgate {
namespace {

bool same_line(const GpioLine& a, const GpioLine& b) {
    return a.chip == b.chip && a.offset == b.offset && a.name == b.name &&
           a.active_low == b.active_low;
}

bool same_input(const InputLine& a, const InputLine& b) {
    return same_line(a.line, b.line) && a.bias == b.bias && a.debounce_ms == b.debounce_ms;
}

template <typename T, typename Same>
bool same_optional(const std::optional<T>& a, const std::optional<T>& b, Same same) {
    return a.has_value() == b.has_value() && (!a || same(*a, *b));
}

bool same_reader(const ReaderConfig& a, const ReaderConfig& b) {
    return a.type == b.type && a.device == b.device && a.baud == b.baud &&
           a.uid_format == b.uid_format && a.decimal_bytes == b.decimal_bytes &&
           a.byte_order == b.byte_order && a.repeat_suppress_ms == b.repeat_suppress_ms &&
           same_optional(a.wiegand_d0, b.wiegand_d0, same_input) &&
           same_optional(a.wiegand_d1, b.wiegand_d1, same_input) &&
           a.spi_speed_hz == b.spi_speed_hz &&
           same_optional(a.reset_line, b.reset_line, same_line) &&
           same_optional(a.irq_line, b.irq_line, same_input) && a.poll_ms == b.poll_ms;
}

}  // namespace

std::string hardware_change(const HardwareConfig& a, const HardwareConfig& b) {
    if (a.kind != b.kind) return "hardware.kind";
    if (!same_reader(a.reader, b.reader)) return "hardware.reader";
    const std::pair<const char*,
                    std::pair<const std::optional<GpioLine>*, const std::optional<GpioLine>*>>
        outputs[] = {{"relay", {&a.relay, &b.relay}},
                     {"after_run", {&a.after_run, &b.after_run}},
                     {"led_ready", {&a.led_ready, &b.led_ready}},
                     {"led_in_use", {&a.led_in_use, &b.led_in_use}},
                     {"led_denied", {&a.led_denied, &b.led_denied}},
                     {"buzzer", {&a.buzzer, &b.buzzer}}};
    for (const auto& [role, lines] : outputs)
        if (!same_optional(*lines.first, *lines.second, same_line))
            return std::string("hardware.outputs.") + role;
    if (!same_optional(a.busy, b.busy, same_input)) return "hardware.inputs.busy";
    if (!same_optional(a.card_present, b.card_present, same_input))
        return "hardware.inputs.card_present";
    bool same_interlocks = a.interlocks.size() == b.interlocks.size();
    for (std::size_t i = 0; same_interlocks && i < a.interlocks.size(); ++i)
        same_interlocks = a.interlocks[i].name == b.interlocks[i].name &&
                          same_input(a.interlocks[i].input, b.interlocks[i].input);
    if (!same_interlocks) return "hardware.inputs.interlocks";
    return {};
}

}  // namespace fabgate

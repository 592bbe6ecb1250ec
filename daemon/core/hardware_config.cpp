#include "core/hardware_config.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/ids.hpp"
#include "core/json_reader.hpp"

namespace fabgate {
namespace {

std::optional<GpioLine> read_line(ObjectReader& parent, const std::string& key, JsonErrors& errors,
                                  bool required = false);

GpioLine read_line_fields(ObjectReader& r, JsonErrors& errors) {
    GpioLine line;
    line.chip = r.string_or("chip", "gpiochip0");
    if (line.chip.empty()) errors.add(r.path("chip"), "must not be empty");
    if (const auto* v = r.child("line")) {
        if (v->is_number_unsigned() && v->get<std::uint64_t>() < 4096)
            line.offset = v->get<unsigned>();
        else if (v->is_string() && !v->get<std::string>().empty())
            line.name = v->get<std::string>();
        else
            errors.add(r.path("line"),
                       "must be a line offset (0 to 4095) or a line name such as \"GPIO17\"");
    } else {
        errors.add(r.path("line"), "is required");
    }
    line.active_low = r.boolean_or("active_low", false);
    return line;
}

std::optional<GpioLine> read_line(ObjectReader& parent, const std::string& key, JsonErrors& errors,
                                  bool required) {
    const auto* v = parent.child(key);
    if (!v) {
        if (required) errors.add(parent.path(key), "is required");
        return std::nullopt;
    }
    ObjectReader r(*v, parent.path(key), errors);
    if (!r.valid()) return std::nullopt;
    auto line = read_line_fields(r, errors);
    r.reject_unknown_keys();
    return line;
}

InputLine read_input_fields(ObjectReader& r, JsonErrors& errors) {
    InputLine in;
    in.line = read_line_fields(r, errors);
    auto bias = r.choice("bias", {"as_is", "pull_up", "pull_down", "disabled"}).value_or("as_is");
    in.bias = bias == "pull_up"     ? Bias::PullUp
              : bias == "pull_down" ? Bias::PullDown
              : bias == "disabled"  ? Bias::Disabled
                                    : Bias::AsIs;
    in.debounce_ms = static_cast<int>(r.integer_or("debounce_ms", 0, 1000, 20));
    return in;
}

std::optional<InputLine> read_input(ObjectReader& parent, const std::string& key,
                                    JsonErrors& errors) {
    const auto* v = parent.child(key);
    if (!v) return std::nullopt;
    ObjectReader r(*v, parent.path(key), errors);
    if (!r.valid()) return std::nullopt;
    auto in = read_input_fields(r, errors);
    r.reject_unknown_keys();
    return in;
}

void read_reader(ObjectReader& hw, ReaderConfig& rc, HardwareKind kind, JsonErrors& errors) {
    const auto* v = hw.child("reader");
    if (!v) {
        if (kind == HardwareKind::Gpio) errors.add("hardware.reader", "is required");
        return;
    }
    ObjectReader r(*v, "hardware.reader", errors);
    auto type = r.choice("type", {"sim", "rdm6300", "line", "evdev", "wiegand", "mfrc522"}, true)
                    .value_or("sim");
    rc.type = type == "rdm6300"   ? ReaderType::Rdm6300
              : type == "line"    ? ReaderType::Line
              : type == "evdev"   ? ReaderType::Evdev
              : type == "wiegand" ? ReaderType::Wiegand
              : type == "mfrc522" ? ReaderType::Mfrc522
                                  : ReaderType::Sim;
    bool needs_device = rc.type == ReaderType::Rdm6300 || rc.type == ReaderType::Line ||
                        rc.type == ReaderType::Evdev || rc.type == ReaderType::Mfrc522;
    auto device = r.string("device", needs_device);
    rc.device = device.value_or("");
    if (needs_device && device && device->empty())
        errors.add("hardware.reader.device", "must not be empty");
    rc.baud = static_cast<int>(r.integer_or("baud", 1200, 4'000'000, rc.baud));
    rc.uid_format = r.choice("uid_format", {"hex", "decimal"}).value_or("hex") == "decimal"
                        ? UidFormat::Decimal
                        : UidFormat::Hex;
    rc.decimal_bytes = static_cast<int>(r.integer_or("decimal_bytes", 1, 8, rc.decimal_bytes));
    rc.byte_order =
        r.choice("byte_order", {"msb_first", "lsb_first"}).value_or("msb_first") == "lsb_first"
            ? ByteOrder::LsbFirst
            : ByteOrder::MsbFirst;
    rc.repeat_suppress_ms =
        static_cast<int>(r.integer_or("repeat_suppress_ms", 0, 60'000, rc.repeat_suppress_ms));
    rc.wiegand_d0 = read_input(r, "d0", errors);
    rc.wiegand_d1 = read_input(r, "d1", errors);
    if (rc.type == ReaderType::Wiegand && (!rc.wiegand_d0 || !rc.wiegand_d1))
        errors.add("hardware.reader", "a wiegand reader needs both d0 and d1 lines");
    rc.spi_speed_hz =
        static_cast<int>(r.integer_or("spi_speed_hz", 100'000, 10'000'000, rc.spi_speed_hz));
    rc.reset_line = read_line(r, "reset", errors);
    rc.irq_line = read_input(r, "irq", errors);
    rc.poll_ms = static_cast<int>(r.integer_or("poll_ms", 20, 5000, rc.poll_ms));
    r.reject_unknown_keys();
}

// Each line drives or reads one thing. A line named twice (the relay and an LED both on 17)
// passed --check-config and left the gate to fail at start, or to switch the relay with
// the LED.
void refuse_lines_used_twice(const HardwareConfig& hw, JsonErrors& errors) {
    if (hw.kind != HardwareKind::Gpio) return;  // simulated lines are only labels
    std::vector<std::pair<std::string, const GpioLine*>> used;
    auto add = [&](const std::string& path, const GpioLine* line) {
        if (!line || (!line->offset && line->name.empty())) return;  // refused already
        auto same = [&](const auto& earlier) {
            const GpioLine& e = *earlier.second;
            return e.chip == line->chip && e.offset == line->offset && e.name == line->name;
        };
        auto it = std::find_if(used.begin(), used.end(), same);
        if (it != used.end()) {
            std::string which = line->offset ? std::to_string(*line->offset) : line->name;
            errors.add(path + ".line",
                       "line " + which + " of " + line->chip + " is already " + it->first);
            return;
        }
        used.emplace_back(path, line);
    };
    auto input = [](const std::optional<InputLine>& in) { return in ? &in->line : nullptr; };
    auto output = [](const std::optional<GpioLine>& out) { return out ? &*out : nullptr; };
    const std::string outputs = "hardware.outputs.";
    add(outputs + "relay", output(hw.relay));
    add(outputs + "after_run", output(hw.after_run));
    add(outputs + "led_ready", output(hw.led_ready));
    add(outputs + "led_in_use", output(hw.led_in_use));
    add(outputs + "led_denied", output(hw.led_denied));
    add(outputs + "buzzer", output(hw.buzzer));
    add(outputs + "heartbeat", output(hw.heartbeat));
    add("hardware.inputs.busy", input(hw.busy));
    add("hardware.inputs.card_present", input(hw.card_present));
    for (std::size_t n = 0; n < hw.interlocks.size(); ++n)
        add("hardware.inputs.interlocks[" + std::to_string(n) + "]", &hw.interlocks[n].input.line);
    add("hardware.reader.d0", input(hw.reader.wiegand_d0));
    add("hardware.reader.d1", input(hw.reader.wiegand_d1));
    add("hardware.reader.reset", output(hw.reader.reset_line));
    add("hardware.reader.irq", input(hw.reader.irq_line));
}

}  // namespace

void read_hardware_config(ObjectReader& root, HardwareConfig& hw, JsonErrors& errors) {
    const auto* v = root.child("hardware");
    if (!v) return;
    ObjectReader r(*v, "hardware", errors);
    hw.kind = r.choice("kind", {"sim", "gpio"}).value_or("sim") == "gpio" ? HardwareKind::Gpio
                                                                          : HardwareKind::Sim;
    read_reader(r, hw.reader, hw.kind, errors);
    if (const auto* o = r.child("outputs")) {
        ObjectReader out(*o, "hardware.outputs", errors);
        hw.relay = read_line(out, "relay", errors, hw.kind == HardwareKind::Gpio);
        hw.after_run = read_line(out, "after_run", errors);
        hw.led_ready = read_line(out, "led_ready", errors);
        hw.led_in_use = read_line(out, "led_in_use", errors);
        hw.led_denied = read_line(out, "led_denied", errors);
        hw.buzzer = read_line(out, "buzzer", errors);
        hw.heartbeat = read_line(out, "heartbeat", errors);
        hw.heartbeat_period_ms = static_cast<int>(
            out.integer_or("heartbeat_period_ms", 50, 10'000, hw.heartbeat_period_ms));
        if (out.has("heartbeat_period_ms") && !out.has("heartbeat"))
            errors.add("hardware.outputs.heartbeat_period_ms", "needs hardware.outputs.heartbeat");
        out.reject_unknown_keys();
    } else if (hw.kind == HardwareKind::Gpio) {
        errors.add("hardware.outputs.relay", "is required");
    }
    if (const auto* i = r.child("inputs")) {
        ObjectReader in(*i, "hardware.inputs", errors);
        hw.busy = read_input(in, "busy", errors);
        hw.card_present = read_input(in, "card_present", errors);
        if (const auto* list = in.child("interlocks")) {
            if (!list->is_array()) {
                errors.add("hardware.inputs.interlocks", "must be a list");
            } else {
                for (std::size_t n = 0; n < list->size(); ++n) {
                    std::string path = "hardware.inputs.interlocks[" + std::to_string(n) + "]";
                    ObjectReader ir((*list)[n], path, errors);
                    if (!ir.valid()) continue;
                    NamedInput named;
                    named.name = ir.string("name", true).value_or("");
                    if (!named.name.empty() && !is_valid_id(named.name))
                        errors.add(path + ".name", "use letters, digits, '-' and '_' only");
                    named.input = read_input_fields(ir, errors);
                    ir.reject_unknown_keys();
                    hw.interlocks.push_back(std::move(named));
                }
            }
        }
        in.reject_unknown_keys();
    }
    r.reject_unknown_keys();
    refuse_lines_used_twice(hw, errors);
}

}  // namespace fabgate

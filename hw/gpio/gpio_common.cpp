#include <cstring>

#include "gpio/chip_listing.hpp"
#include "gpio/gpio_lines.hpp"

namespace fabgate::gpio {

std::string describe_line(const GpioLine& line) {
    std::string text = line.offset ? "line " + std::to_string(*line.offset) : line.name;
    text += " on " + line.chip;
    if (line.active_low) text += " (active low)";
    return text;
}

std::string format_chip(const std::string& name, const std::string& label,
                        const std::vector<LineRow>& lines) {
    std::string out = name + " [" + label + "] " + std::to_string(lines.size()) + " lines\n";
    for (const auto& row : lines) {
        std::string offset = std::to_string(row.offset);
        out += "  " + std::string(offset.size() < 4 ? 4 - offset.size() : 0, ' ') + offset + "  ";
        std::string shown = row.name.empty() ? "-" : row.name;
        out += shown;
        if (row.used || row.output)
            out += std::string(shown.size() < 16 ? 16 - shown.size() : 1, ' ');
        if (row.output) out += "output ";
        if (row.used) out += "used by \"" + row.consumer + "\"";
        out += "\n";
    }
    return out;
}

std::string consumer_label(std::string_view role) {
    std::string label = "fabgate:" + std::string(role);
    if (label.size() > 31) label.resize(31);
    return label;
}

// The build picked the backend's file for this API (hw/gpio/CMakeLists.txt), so it is known here
// once rather than in each backend.
int gpiod_api() {
    return FABGATE_GPIOD_API;
}

std::string errno_text(int error) {
    return std::strerror(error == 0 ? EIO : error);
}

}  // namespace fabgate::gpio

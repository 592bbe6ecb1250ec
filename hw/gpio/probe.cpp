#include "gpio/probe.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

namespace fabgate {
namespace {

namespace fs = std::filesystem;

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}

// "/dev/serial0 -> ttyAMA0" for links, so the installer sees what a stable name points at.
std::string entry_line(const fs::path& path) {
    std::error_code ec;
    std::string line = "  " + path.string();
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        auto target = fs::read_symlink(path, ec);
        if (!ec) line += " -> " + target.string();
    }
    return line + "\n";
}

std::vector<fs::path> matching(const fs::path& dir, const std::vector<std::string_view>& prefixes,
                               const std::vector<std::string_view>& exact = {}) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        bool wanted = std::find(exact.begin(), exact.end(), name) != exact.end();
        for (auto prefix : prefixes) wanted = wanted || starts_with(name, prefix);
        if (wanted) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::string section(const std::string& title, const std::vector<fs::path>& paths,
                    const std::string& hint, const std::string& none) {
    std::string out = title + "\n";
    if (paths.empty()) return out + "  " + none + "\n\n";
    for (const auto& p : paths) out += entry_line(p);
    return out + "  " + hint + "\n\n";
}

}  // namespace

std::string probe_report(const std::string& dev_dir, gpio::GpioBackend* backend) {
    fs::path dev(dev_dir);
    std::string out;
    out += "GPIO chips (libgpiod API v" + std::to_string(gpio::gpiod_api()) + ")\n";
    if (backend) {
        out += backend->describe_chips();
        out +=
            "  config: {\"chip\": \"gpiochip0\", \"line\": \"GPIO17\"} or {\"chip\": "
            "\"pinctrl-bcm2711\", \"line\": 17}\n\n";
    } else {
        out += "  not available: this build has no libgpiod\n\n";
    }
    out += section("Input devices (/dev/input/by-id)", matching(dev / "input" / "by-id", {""}),
                   "a USB badge reader is usually the one ending in -event-kbd: "
                   "\"reader\": {\"type\": \"evdev\", \"device\": \"/dev/input/by-id/...\"}",
                   "none (USB keyboard-wedge readers appear here when plugged in)");
    out += section("Serial ports",
                   matching(dev, {"ttyAMA", "ttyUSB", "ttyACM", "ttyS"}, {"serial0", "serial1"}),
                   "on a Pi use /dev/serial0 (the header UART, pins 8/10): "
                   "\"reader\": {\"type\": \"rdm6300\", \"device\": \"/dev/serial0\"}",
                   "none (enable the UART with raspi-config, or plug in a USB serial adapter)");
    out += section("SPI devices", matching(dev, {"spidev"}),
                   "\"reader\": {\"type\": \"mfrc522\", \"device\": \"/dev/spidev0.0\"}",
                   "none (enable SPI with raspi-config: dtparam=spi=on)");
    return out;
}

std::string probe_report() {
    auto backend = gpio::open_gpiod_backend();
    return probe_report("/dev", backend ? backend->get() : nullptr);
}

}  // namespace fabgate

#include "sys/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace fabgate::log {
namespace {
Level g_threshold = Level::Info;
std::string g_component;
// journald reads the priority prefix; a terminal reader gets it too, which is fine and
// keeps one format. Set FABGATE_LOG_PLAIN=1 to leave it out.
bool plain() {
    static const bool value = std::getenv("FABGATE_LOG_PLAIN") != nullptr;
    return value;
}
}  // namespace

void set_threshold(Level level) {
    g_threshold = level;
}
void set_component(std::string name) {
    g_component = std::move(name);
}

void write(Level level, std::string_view area, std::string_view message) {
    if (static_cast<int>(level) > static_cast<int>(g_threshold)) return;
    std::string line;
    line.reserve(area.size() + message.size() + 16);
    if (!plain()) line += "<" + std::to_string(static_cast<int>(level)) + ">";
    if (!g_component.empty()) line += g_component + " ";
    line += area;
    line += ": ";
    line += message;
    line += '\n';
    // One write() per line keeps lines whole when several processes share a terminal.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace fabgate::log

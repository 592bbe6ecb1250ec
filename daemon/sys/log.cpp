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

// Messages carry strings from the network, readers and config files. A newline followed by
// "<0>" would forge a journald line of emergency priority, so no control byte is written raw.
void append_escaped(std::string& line, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : text) {
        if (c == '\\') {
            line += "\\\\";
        } else if (c == '\n') {
            line += "\\n";
        } else if (c == '\r') {
            line += "\\r";
        } else if (c == '\t') {
            line += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            line += "\\x";
            line += kHex[c >> 4];
            line += kHex[c & 0xf];
        } else {
            line += static_cast<char>(c);
        }
    }
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
    append_escaped(line, area);
    line += ": ";
    append_escaped(line, message);
    line += '\n';
    // One write() per line keeps lines whole when several processes share a terminal.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace fabgate::log

#pragma once
// One line per event on stderr, with the "<N>" priority prefix journald understands.
#include <cstdint>
#include <string>
#include <string_view>

namespace fabgate::log {

enum class Level { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

void set_threshold(Level level);       // messages less severe than this are dropped
void set_component(std::string name);  // e.g. "fabgate[laser-1]"
void write(Level level, std::string_view area, std::string_view message);

inline void error(std::string_view area, std::string_view m) {
    write(Level::Error, area, m);
}
inline void warning(std::string_view area, std::string_view m) {
    write(Level::Warning, area, m);
}
inline void notice(std::string_view area, std::string_view m) {
    write(Level::Notice, area, m);
}
inline void info(std::string_view area, std::string_view m) {
    write(Level::Info, area, m);
}
inline void debug(std::string_view area, std::string_view m) {
    write(Level::Debug, area, m);
}

// A duration as log lines give it, in whole seconds: "12 s".
inline std::string whole_seconds(std::int64_t ms) {
    return std::to_string(ms / 1000) + " s";
}

}  // namespace fabgate::log

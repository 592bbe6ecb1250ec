#pragma once
// Percentiles for the benchmark lines; figures are printed, never judged.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace fabgate::hil {

inline std::string latency_summary(std::vector<std::int64_t> us) {
    if (us.empty()) return "no samples";
    std::sort(us.begin(), us.end());
    auto at = [&](double q) {
        return us[std::min(us.size() - 1,
                           static_cast<std::size_t>(q * static_cast<double>(us.size())))];
    };
    char text[160];
    std::snprintf(text, sizeof text, "n=%zu p50=%.2fms p99=%.2fms max=%.2fms", us.size(),
                  static_cast<double>(at(0.50)) / 1000.0, static_cast<double>(at(0.99)) / 1000.0,
                  static_cast<double>(us.back()) / 1000.0);
    return text;
}

}  // namespace fabgate::hil

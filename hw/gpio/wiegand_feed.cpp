#include "gpio/wiegand_feed.hpp"

#include <algorithm>

namespace fabgate::gpio {

std::vector<WiegandPulse> merge_pulses(const std::vector<LineEvent>& d0,
                                       const std::vector<LineEvent>& d1) {
    std::vector<std::pair<std::int64_t, int>> all;
    all.reserve(d0.size() + d1.size());
    for (const auto& e : d0) all.emplace_back(e.timestamp_ns, 0);
    for (const auto& e : d1) all.emplace_back(e.timestamp_ns, 1);
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<WiegandPulse> out;
    out.reserve(all.size());
    for (const auto& [ns, bit] : all) out.push_back({bit, ns / 1'000'000});
    return out;
}

void WiegandFeed::pulses(const std::vector<WiegandPulse>& pulses) {
    for (const auto& p : pulses) frame(assembler_.bit(p.bit, p.t), p.t);
}

void WiegandFeed::service(MonoMs now) {
    frame(assembler_.close_if_idle(now), now);
}

void WiegandFeed::frame(const std::optional<Uid>& uid, MonoMs t) {
    if (!uid) return;
    if (repeats_.seen(*uid, t).presented) events_.badge_presented(*uid);
}

}  // namespace fabgate::gpio

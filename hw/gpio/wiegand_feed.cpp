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
    for (const auto& [ns, bit] : all) out.push_back({bit, ns / 1'000'000, ns});
    return out;
}

void WiegandFeed::pulses(const std::vector<WiegandPulse>& pulses) {
    for (const auto& p : pulses) {
        // After any pulse of the same time: D0 before D1 on a tie, as merge_pulses orders them.
        auto at = std::upper_bound(pending_.begin(), pending_.end(), p,
                                   [](const WiegandPulse& a, const WiegandPulse& b) {
                                       return a.t < b.t || (a.t == b.t && a.ns < b.ns);
                                   });
        pending_.insert(at, p);
    }
}

void WiegandFeed::service(MonoMs now) {
    const MonoMs settled = now - kSettleMs;
    std::size_t taken = 0;
    for (; taken < pending_.size() && pending_[taken].t <= settled; ++taken)
        frame(assembler_.bit(pending_[taken].bit, pending_[taken].t), pending_[taken].t);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken));
    frame(assembler_.close_if_idle(settled), settled);
}

std::optional<MonoMs> WiegandFeed::next_deadline() const {
    std::optional<MonoMs> next;
    if (!pending_.empty()) next = pending_.front().t + kSettleMs;
    if (auto close = assembler_.next_deadline(); close && (!next || *close + kSettleMs < *next))
        next = *close + kSettleMs;
    return next;
}

void WiegandFeed::frame(const std::optional<Uid>& uid, MonoMs t) {
    if (!uid) return;
    if (repeats_.seen(*uid, t).presented) events_.badge_presented(*uid);
}

}  // namespace fabgate::gpio

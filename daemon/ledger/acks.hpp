#pragma once
// Splits acknowledged ids into ack payloads a gate accepts: each encoded ack stays under the
// protocol's 64 KiB payload limit, whatever the ids' length or characters.
#include <string>
#include <vector>

#include "core/messages.hpp"

namespace fabgate::ledger {

// Room kept for the envelope ({"v":1,"type":"ack","ids":[]}) and slack.
inline constexpr std::size_t kAckPayloadBudget = kMaxPayloadBytes - 1024;

inline std::vector<Ack> make_acks(const std::vector<std::string>& ids,
                                  std::size_t budget = kAckPayloadBudget) {
    std::vector<Ack> acks;
    std::size_t used = 0;
    for (const auto& id : ids) {
        // Quotes and a comma, plus the worst JSON escaping (\u00XX) for unusual characters.
        std::size_t cost = id.size() + 3;
        for (unsigned char c : id)
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F) cost += 5;
        if (acks.empty() || used + cost > budget) {
            acks.emplace_back();
            used = 0;
        }
        acks.back().ids.push_back(id);
        used += cost;
    }
    return acks;
}

}  // namespace fabgate::ledger

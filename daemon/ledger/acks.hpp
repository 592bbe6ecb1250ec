#pragma once
// Splits acknowledged ids into acks a gate accepts: each names at most kMaxAckIds ids, and its
// signed payload stays under the protocol's 64 KiB limit, whatever the ids' length or characters.
#include <string>
#include <utility>
#include <vector>

#include "core/ack_wire.hpp"
#include "core/messages.hpp"

namespace fabgate::ledger {

// Room kept for the body's other fields (site and machine at most 64 bytes each), the signed
// envelope line (about 200 bytes) and slack.
inline constexpr std::size_t kAckPayloadBudget = kMaxPayloadBytes - 1024;

inline std::vector<SignedAck> make_acks(const std::string& site, const std::string& machine,
                                        UnixMs at, std::vector<std::string> ids,
                                        std::size_t budget = kAckPayloadBudget) {
    std::vector<SignedAck> acks;
    std::size_t used = 0;
    for (auto& id : ids) {
        // Quotes and a comma, plus the worst JSON escaping (\u00XX) for unusual characters.
        std::size_t cost = id.size() + 3;
        for (unsigned char c : id)
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F) cost += 5;
        if (acks.empty() || used + cost > budget || acks.back().ids.size() == kMaxAckIds) {
            acks.push_back(SignedAck{site, machine, at, {}});
            used = 0;
        }
        used += cost;
        acks.back().ids.push_back(std::move(id));
    }
    return acks;
}

}  // namespace fabgate::ledger

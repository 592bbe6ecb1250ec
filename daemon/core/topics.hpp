#pragma once
// The MQTT topic tree (docs/protocol.md): fabgate/<site>/machines/<machine>/<leaf>.
#include <optional>
#include <string>
#include <string_view>

namespace fabgate::topics {

inline constexpr std::string_view kRoot = "fabgate";

inline std::string machine(std::string_view site, std::string_view machine_id,
                           std::string_view leaf) {
    std::string t;
    t.reserve(kRoot.size() + site.size() + machine_id.size() + leaf.size() + 12);
    t.append(kRoot)
        .append("/")
        .append(site)
        .append("/machines/")
        .append(machine_id)
        .append("/")
        .append(leaf);
    return t;
}

// Subscription patterns for the central side.
inline std::string all_machines(std::string_view leaf) {
    return std::string(kRoot) + "/+/machines/+/" + std::string(leaf);
}

struct MachineTopic {
    std::string site;
    std::string machine;
    std::string leaf;
};

// Splits "fabgate/<site>/machines/<machine>/<leaf>"; nullopt for anything else.
inline std::optional<MachineTopic> parse(std::string_view topic) {
    auto next = [&](std::string_view& rest) -> std::optional<std::string_view> {
        if (rest.empty()) return std::nullopt;
        auto slash = rest.find('/');
        auto part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (part.empty()) return std::nullopt;
        return part;
    };
    // "a/b/" is a different MQTT topic from "a/b": a trailing level is empty, not absent.
    if (topic.empty() || topic.back() == '/') return std::nullopt;
    std::string_view rest = topic;
    auto root = next(rest);
    auto site = next(rest);
    auto machines = next(rest);
    auto machine_id = next(rest);
    auto leaf = next(rest);
    if (!root || *root != kRoot || !site || !machines || *machines != "machines" || !machine_id ||
        !leaf || !rest.empty())
        return std::nullopt;
    return MachineTopic{std::string(*site), std::string(*machine_id), std::string(*leaf)};
}

}  // namespace fabgate::topics

#pragma once
// The MQTT topic tree (docs/protocol.md): fabgate/<site>/machines/<machine>/<leaf>.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace fabgate::topics {

inline constexpr std::string_view kRoot = "fabgate";

// One kind of topic: every machine has one of each, fabgate/<site>/machines/<machine>/<leaf>.
// Publishers and subscribers take QoS and retain from here, and protocol_doc_tests holds the
// doc's topic table against kAll, so the two sides of a topic cannot disagree about them.
struct Kind {
    std::string_view leaf;
    std::string_view from;  // who publishes
    std::string_view to;    // who subscribes
    int qos;
    bool retain;
    std::string_view payload_type;
};

// A late subscriber (the web board, fabctl) must see the machine's current state at once.
inline constexpr Kind kState{"state", "gate", "all", 1, true, "state"};
// QoS 1, not retained: the gate resends until an ack, the ledger deduplicates by id.
inline constexpr Kind kSessions{"sessions", "gate", "ledger", 1, false, "session"};
inline constexpr Kind kAcks{"acks", "ledger", "gate", 1, false, "ack"};
// Badge events are for the log only: losing one costs nothing billable.
inline constexpr Kind kEvents{"events", "gate", "ledger", 0, false, "event"};
// Retained so a gate that (re)connects, or boots with a wiped journal, gets its list at once.
inline constexpr Kind kAcl{"acl", "ledger", "gate", 1, true, "acl"};
// Not retained: a gate acts on a command only while connected, never on a stale one.
inline constexpr Kind kCommands{"commands", "manager", "gate", 1, false, "command"};

inline constexpr std::array kAll{kState, kSessions, kAcks, kEvents, kAcl, kCommands};

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

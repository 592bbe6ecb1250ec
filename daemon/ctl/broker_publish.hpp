#pragma once
// A manager's command to a gate, and the gate's answer. MQTT 3.1.1 cannot refuse a publish:
// a broker drops one the ACL forbids and still sends PUBACK, so a PUBACK proves nothing. fabctl
// therefore subscribes to the machine's retained `state` first, publishes the command, and
// counts it delivered only when the gate publishes a fresh state showing its effect.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/broker_config.hpp"
#include "core/enum_names.hpp"
#include "core/messages.hpp"
#include "core/result.hpp"

namespace fabgate::ctl {

enum class Delivery { Confirmed, NotConfirmed, BrokerUnreachable };
EnumNameTable<Delivery> enum_names(Delivery);  // confirmed, not_confirmed, broker_unreachable
using fabgate::to_string;

struct CommandRequest {
    std::string command_topic;
    std::string state_topic;
    Command command;
    std::chrono::milliseconds timeout{5000};
};

struct CommandDelivery {
    Delivery outcome = Delivery::NotConfirmed;
    std::string where;                   // "broker HOST:PORT"
    std::string detail;                  // why not confirmed, or what confirmed it
    std::optional<MachineStatus> state;  // the last state heard (the confirming one if confirmed)
};

// Whether a state the gate published after the command shows the command's effect. `before`
// is the retained state heard before the command was sent, if any.
bool shows_effect(CommandKind kind, const std::optional<MachineStatus>& before,
                  const MachineStatus& now);

// Connects, subscribes to the state, publishes the command (QoS 1) and waits up to `timeout`
// in all for the gate's answer.
CommandDelivery send_and_confirm(const BrokerConfig& broker, const CommandRequest& request);

}  // namespace fabgate::ctl

#pragma once
// One message to the broker and back: a short-lived loop that connects, publishes QoS 1,
// waits for the PUBACK and disconnects. Used for the manager's commands to a gate.
#include <chrono>
#include <string>

#include "core/gate_config.hpp"
#include "core/result.hpp"

namespace fabgate::ctl {

// Fails, naming the broker, when it cannot be reached or does not acknowledge within
// `timeout`. A PUBACK means the broker has the message, not that the gate acted on it.
Status publish_and_wait(const BrokerConfig& broker, const std::string& topic,
                        const std::string& payload, std::chrono::milliseconds timeout);

}  // namespace fabgate::ctl

#pragma once
// fabctl, the FabLab manager's tool, as a function: the program's main is one call, and tests
// run any command line in-process against a temporary ledger and read what it printed.
#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/broker_config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "ctl/broker_publish.hpp"

namespace fabgate::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;  // a message on stderr names what failed and where
inline constexpr int kExitUsage = 2;    // the command line is wrong; the message names the part

// Sends a command to a gate and waits for the gate's state to show it (broker_publish.hpp).
using CommandSender =
    std::function<CommandDelivery(const BrokerConfig& broker, const CommandRequest& request)>;

// What the outside world gives a run; tests replace each part.
struct Environment {
    std::function<UnixMs()> now;                                         // default: system clock
    std::function<std::optional<std::string>(const char* name)> getenv;  // default: ::getenv
    CommandSender send_command;                                          // default: MQTT broker
};

Environment system_environment();

// args without the program name: {"members", "list", "--json"}.
int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const Environment& env);
int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace fabgate::ctl

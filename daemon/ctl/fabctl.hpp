#pragma once
// fabctl, the FabLab manager's tool, as a function: the program's main is one call, and tests
// run any command line in-process against a temporary ledger and read what it printed.
#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/gate_config.hpp"
#include "core/result.hpp"

namespace fabgate::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;  // a message on stderr names what failed and where
inline constexpr int kExitUsage = 2;    // the command line is wrong; the message names the part

// Publishes one QoS 1 message and returns once the broker acknowledged it (PUBACK).
using Publisher =
    std::function<Status(const BrokerConfig& broker, const std::string& topic,
                         const std::string& payload, std::chrono::milliseconds timeout)>;

// What the outside world gives a run; tests replace each part.
struct Environment {
    std::function<UnixMs()> now;                                         // default: system clock
    std::function<std::optional<std::string>(const char* name)> getenv;  // default: ::getenv
    Publisher publish;                                                   // default: MQTT broker
};

Environment system_environment();

// args without the program name: {"members", "list", "--json"}.
int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const Environment& env);
int run_fabctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace fabgate::ctl

#pragma once
// fabctl's command line, parsed by CLI11 in command_line.cpp alone (see command_spec.hpp for
// why): the global options, every command's options, and the messages for a mistake.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ctl/command.hpp"

namespace fabgate::ctl {

inline constexpr const char* kDefaultConfig = "/etc/fabgate/ledger.json";

// fabctl's own options, given before or after the command.
struct Globals {
    std::string config;
    std::string database;
    std::string actor;
    std::string broker_config;
    bool json = false;
};

// Parses fabctl's whole command line into `globals` and `invocation`. Returns the exit code when
// it leaves nothing to run (--help, --version, a mistake, a command group without its
// subcommand), having printed what fabctl prints.
std::optional<int> parse_fabctl_line(const std::vector<std::string>& args, Globals& globals,
                                     Invocation& invocation, std::ostream& out, std::ostream& err);

// Parses one command without the global options (run_command's line); a mistake is a usage
// Failure naming the option, as the command's own checks do.
Outcome parse_command_only(const std::vector<std::string>& args, Invocation& invocation);

}  // namespace fabgate::ctl

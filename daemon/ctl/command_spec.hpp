#pragma once
// How the command files declare their subcommands and options without including CLI11: its
// header costs seconds of compile in every file that includes it (namespace-scope validators
// are built in each), so only command_line.cpp sees CLI::App. Each call does what the CLI11
// call of the same name does, with the same option types (and so the same help and messages).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace fabgate::ctl {

class OptionSpec {
  public:
    explicit OptionSpec(CLI::Option* option) : option_(option) {}
    OptionSpec& required();
    // CLI::IsMember: "--role: boss not in {user,supervisor,maintainer}".
    OptionSpec& must_be_one_of(std::vector<std::string> choices);
    // CLI::Range on ints: "--sessions: Value 20000 not in range 0 to 10000".
    OptionSpec& must_be_in_range(int min, int max);
    // A whole number of 1 or more: "BATCH: must be a whole number of 1 or more, not '0'".
    OptionSpec& must_be_positive();

  private:
    CLI::Option* option_;
};

// A command or command group; a copy names the same one (the App owns it).
class CommandSpec {
  public:
    explicit CommandSpec(CLI::App* app) : app_(app) {}

    CommandSpec add_subcommand(const std::string& name, const std::string& help);
    OptionSpec add_option(const std::string& name, std::string& value, const std::string& help);
    OptionSpec add_option(const std::string& name, std::optional<std::string>& value,
                          const std::string& help);
    OptionSpec add_option(const std::string& name, int& value, const std::string& help);
    OptionSpec add_option(const std::string& name, std::optional<int>& value,
                          const std::string& help);
    OptionSpec add_option(const std::string& name, std::int64_t& value, const std::string& help);
    void add_flag(const std::string& name, bool& value, const std::string& help);
    void require_subcommand();
    // Runs after parsing when this command was given (after its subcommand's callback).
    void callback(std::function<void()> run);
    // Whether one of this command's subcommands was given; meaningful from its callback on.
    bool subcommand_given() const;

  private:
    CLI::App* app_;
};

}  // namespace fabgate::ctl

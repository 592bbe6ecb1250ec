#pragma once
// The console's changes and lists are fabctl's own commands, run in-process on fabweb's open
// ledger as the logged-in manager (actor "fabweb:<login>"): the same validation, messages,
// ledger calls, JSON and audit rows.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ctl/command.hpp"
#include "web/web_app.hpp"

namespace fabgate::web {

// A command line being built: options as "--name=value" (a value starting with '-' stays a
// value), positionals after "--" (never taken for options).
class CommandLine {
  public:
    explicit CommandLine(std::vector<std::string> words) : words_(std::move(words)) {}
    // Skipped when value is empty.
    CommandLine& option(const std::string& name, const std::string& value);
    CommandLine& flag(const std::string& name, bool on);
    CommandLine& positional(const std::string& value);
    std::vector<std::string> args() const;

  private:
    std::vector<std::string> words_;
    std::vector<std::string> positionals_;
};

// A fabctl session acting for `login` on fabweb's ledger (actor "fabweb:<login>").
struct CtlSession {
    ctl::Environment env;
    ledger::LedgerConfig config;
    std::ostringstream out, err;
    ctl::CommandContext session;
};
std::unique_ptr<CtlSession> make_ctl_session(WebApp& app, const std::string& login, bool json);

// Runs a listing with --json and answers its output as it is.
Answer run_read(Call& call, const CommandLine& line);
// Runs a change and answers {"ok": true, "message": fabctl's confirmation}.
Answer run_write(Call& call, const CommandLine& line);
// Runs and hands back fabctl's output, or the error answer.
tl::expected<std::string, Answer> run_for_output(Call& call, const CommandLine& line, bool json);
// A fabctl failure as an HTTP error: usage mistakes 400 "invalid", "does not exist" 404,
// other refusals 409 "conflict", a broken database 500.
Answer failure_answer(const ctl::Failure& failure);

}  // namespace fabgate::web

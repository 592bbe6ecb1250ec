#include "web/fabctl_bridge.hpp"

#include <sstream>

#include "ctl/fabctl.hpp"

namespace fabgate::web {

CommandLine& CommandLine::option(const std::string& name, const std::string& value) {
    if (!value.empty()) words_.push_back(name + "=" + value);
    return *this;
}

CommandLine& CommandLine::flag(const std::string& name, bool on) {
    if (on) words_.push_back(name);
    return *this;
}

CommandLine& CommandLine::positional(const std::string& value) {
    positionals_.push_back(value);
    return *this;
}

std::vector<std::string> CommandLine::args() const {
    auto all = words_;
    if (!positionals_.empty()) {
        all.emplace_back("--");
        all.insert(all.end(), positionals_.begin(), positionals_.end());
    }
    return all;
}

Answer failure_answer(const ctl::Failure& failure) {
    const auto& e = failure.error;
    if (failure.exit_code == ctl::kExitUsage) return error_answer(400, "invalid", e.where, e.what);
    if (e.what.find("does not exist") != std::string::npos ||
        e.what.find("no such") != std::string::npos)
        return error_answer(404, "not_found", e.where, e.what);
    if (e.what.find("malformed") != std::string::npos ||
        e.what.find("disk I/O") != std::string::npos)
        return error_answer(500, "internal", e.where, e.what);
    return error_answer(409, "conflict", e.where, e.what);
}

std::unique_ptr<CtlSession> make_ctl_session(WebApp& app, const std::string& login, bool json) {
    auto c = std::make_unique<CtlSession>();
    c->env.now = app.deps().now;
    c->env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
    // Machine commands go through fabweb's own broker link (handlers_machines.cpp), never a
    // blocking client inside the loop.
    c->env.send_command = nullptr;
    c->config.database = app.config().database;
    c->config.time_zone = app.config().time_zone;
    auto& s = c->session;
    s.db = &app.db();
    s.config = &c->config;
    s.env = &c->env;
    s.person = login;
    s.actor = "fabweb:" + login;
    s.now = c->env.now();
    s.json = json;
    s.out = &c->out;
    s.err = &c->err;
    return c;
}

tl::expected<std::string, Answer> run_for_output(Call& call, const CommandLine& line, bool json) {
    auto c = make_ctl_session(call.app, call.session ? call.session->login : "anonymous", json);
    auto result = ctl::run_command(line.args(), c->session);
    if (!result) return tl::unexpected(failure_answer(result.error()));
    return c->out.str();
}

Answer run_read(Call& call, const CommandLine& line) {
    auto out = run_for_output(call, line, true);
    if (!out) return out.error();
    return json_text_answer(std::move(*out));
}

Answer run_write(Call& call, const CommandLine& line) {
    auto out = run_for_output(call, line, false);
    if (!out) return out.error();
    std::string message = *out;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return json_answer({{"ok", true}, {"message", message}});
}

}  // namespace fabgate::web

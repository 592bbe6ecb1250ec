// The machine board: GET /api/machines, GET /api/events (SSE), and lock / unlock /
// end-session, which answer once the gate confirmed or the wait is over.
#include <algorithm>
#include <set>

#include "core/topics.hpp"
#include "ctl/parse.hpp"
#include "web/fabctl_bridge.hpp"
#include "web/machine_view.hpp"

namespace fabgate::web {
namespace {

Answer machines(Call& call) {
    auto keys = board_keys(call.app);
    if (!keys) return *keys.error();
    auto list = nlohmann::json::array();
    for (const auto& key : *keys) list.push_back(machine_json(call.app, key));
    return json_answer(list);
}

Answer events(Call& call) {
    auto keys = board_keys(call.app);
    if (!keys) return *keys.error();
    Answer answer;
    answer.kind = Answer::Kind::Stream;
    answer.response.content_type = "text/event-stream";
    answer.response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: do not hold it
    answer.stream = std::make_shared<EventStream>();
    // The stream outlives this request: it asks before each state whether the session stands.
    WebApp* app = &call.app;
    call.app.board().add_stream(answer.stream, *keys, [app, token = call.session->token] {
        return app->session_stands(token);
    });
    return answer;
}

bool may_command(const WebSession& s, const std::string& machine) {
    if (s.role == ledger::ManagerRole::Admin) return true;
    return s.role == ledger::ManagerRole::Trainer &&
           std::find(s.machines.begin(), s.machines.end(), machine) != s.machines.end();
}

nlohmann::json delivery_json(const ctl::CommandDelivery& d, const std::string& verb,
                             bool desired_state) {
    std::string message = d.detail;
    if (d.outcome != ctl::Delivery::Confirmed && desired_state)
        message +=
            "; the ledger has the " + verb + ", which reaches the gate with its next access list";
    return {{"confirmed", d.outcome == ctl::Delivery::Confirmed},
            {"outcome", std::string(ctl::to_string(d.outcome))},
            {"message", message},
            {"state", d.state ? nlohmann::json(std::string(to_string(d.state->state)))
                              : nlohmann::json(nullptr)}};
}

Answer command(Call& call, CommandKind kind) {
    auto& app = call.app;
    const auto& site = call.at.at("site");
    const auto& id = call.at.at("id");
    std::string machine = site + "/" + id;
    if (!may_command(*call.session, machine))
        return error_answer(403, "role", machine,
                            "a trainer may only command the machines listed on their account");
    std::string reason;
    if (auto bad = body_string(call, "reason", reason)) return *bad;
    auto m = app.db().machines().find(site, id);
    if (!m) return error_answer(500, "internal", m.error().where, m.error().what);
    if (!*m) return error_answer(404, "not_found", "machine " + machine, "does not exist");

    const std::string login = call.session->login;
    auto ctl_session = make_ctl_session(app, login, false);
    if (auto r = ctl::record_machine_lock(ctl_session->session, **m, kind, reason); !r)
        return failure_answer(r.error());
    Command c;
    c.kind = kind;
    c.by = login;
    c.reason = reason;
    ctl::CommandRequest request{topics::machine(site, id, "commands"),
                                topics::machine(site, id, "state"), c,
                                std::chrono::milliseconds(app.config().command_timeout_s * 1000)};
    auto later = std::make_shared<LaterReply>();
    WebApp* app_ptr = &app;
    app.board().send(
        {site, id}, c, request.timeout,
        [app_ptr, later, login, machine, request](ctl::CommandDelivery d) {
            auto s = make_ctl_session(*app_ptr, login, false);
            std::string broker_user = app_ptr->config().broker.username;
            auto audited = ctl::audit_machine_command(s->session, machine, request, broker_user, d);
            if (!audited) {
                later->complete(failure_answer(audited.error()).response);
                return;
            }
            auto verb = ctl::verb_of(request.command.kind);
            later->complete(
                json_answer(delivery_json(d, verb, request.command.kind != CommandKind::EndSession))
                    .response);
        });
    Answer answer;
    answer.kind = Answer::Kind::Later;
    answer.later = later;
    return answer;
}

}  // namespace

void add_machine_routes(WebApp& app) {
    app.add({"GET", "/api/machines", kAnyRole, false, machines});
    app.add({"GET", "/api/events", kAnyRole, false, events});
    app.add({"POST", "/api/machines/{site}/{id}/lock", kAdmin | kTrainer, false,
             [](Call& c) { return command(c, CommandKind::Lock); }});
    app.add({"POST", "/api/machines/{site}/{id}/unlock", kAdmin | kTrainer, false,
             [](Call& c) { return command(c, CommandKind::Unlock); }});
    app.add({"POST", "/api/machines/{site}/{id}/end-session", kAdmin | kTrainer, false,
             [](Call& c) { return command(c, CommandKind::EndSession); }});
}

}  // namespace fabgate::web

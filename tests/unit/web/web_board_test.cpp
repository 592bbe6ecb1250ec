// The live board: state from the gates' retained messages, events to the streams, and
// machine commands confirmed by the gate's next state.
#include "core/messages.hpp"
#include "web/machine_view.hpp"
#include "web_fixture.hpp"

using namespace fabgate;
using fabgate::test::WebLab;

namespace {

std::string state_payload(MachineState st, const std::string& member = "", bool locked = false,
                          const std::string& session = "") {
    MachineStatus s;
    s.state = st;
    s.since = 1'800'000'000'000;
    s.member = member;
    s.name = member.empty() ? "" : "Ann";
    s.session = session;
    s.acl_version = 7;
    s.locked = locked;
    return encode(s);
}

const char* kLaserState = "fabgate/lab/machines/laser/state";

// Runs the loop until the reply is in (the board's timers drive it), at most `rounds` rounds.
void run_until(WebLab& lab, const std::function<bool()>& done, int rounds = 200) {
    for (int i = 0; i < rounds && !done(); ++i) lab.loop.run_once(50);
}

// The manager's event stream, on a board drawn from the ledger as fabweb draws it.
web::Answer open_events(WebLab& lab, const test::LoggedIn& who) {
    lab.board->set_renderer(
        [&lab](const web::MachineKey& k) { return web::machine_entry(*lab.app, k); });
    auto a = lab.answer("GET", "/api/events", nullptr, &who);
    REQUIRE(a.kind == web::Answer::Kind::Stream);
    return a;
}

}  // namespace

TEST_CASE("the board shows the gate's retained state; the last will turns it offline") {
    WebLab lab;
    lab.board->set_renderer(
        [&](const web::MachineKey& k) { return web::machine_entry(*lab.app, k); });
    auto ada = lab.login("ada");
    auto before = lab.call("GET", "/api/machines", nullptr, &ada);
    REQUIRE(before.json.size() == 2);
    CHECK(before.json[0]["online"] == false);
    CHECK(before.json[0]["state"].is_null());

    lab.board->on_message(kLaserState, state_payload(MachineState::InUse, "m-1"), true);
    auto now = lab.call("GET", "/api/machines", nullptr, &ada);
    auto laser = now.json[0];
    CHECK(laser["id"] == "laser");
    CHECK(laser["name"] == "Laser");
    CHECK(laser["group"] == "lasers");
    CHECK(laser["state"] == "in_use");
    CHECK(laser["online"] == true);
    CHECK(laser["member"] == "m-1");
    CHECK(laser["member_name"] == "Ann");
    CHECK(laser["acl_version"] == 7);
    CHECK(laser["since"] == "2027-01-15T08:00:00Z");

    lab.board->on_message(kLaserState, state_payload(MachineState::Offline), true);
    CHECK(lab.call("GET", "/api/machines", nullptr, &ada).json[0]["online"] == false);

    // A gate that reports without being registered is shown, without a name.
    lab.board->on_message("fabgate/annex/machines/mill/state", state_payload(MachineState::Idle),
                          true);
    auto all = lab.call("GET", "/api/machines", nullptr, &ada);
    REQUIRE(all.json.size() == 3);
    CHECK(all.json[2]["site"] == "annex");
    CHECK(all.json[2]["name"].is_null());
}

TEST_CASE("an event stream gets every machine, then each state change") {
    WebLab lab;
    auto a = open_events(lab, lab.login("tess"));
    CHECK(a.response.content_type == "text/event-stream");
    auto first = a.stream->take(1 << 20);
    CHECK(first.find("event: machine\ndata: {") != std::string::npos);
    CHECK(first.find("\"id\":\"printer\"") != std::string::npos);

    lab.board->on_message(kLaserState, state_payload(MachineState::InUse, "m-1"), false);
    auto change = a.stream->take(1 << 20);
    REQUIRE(change.rfind("event: machine\ndata: ", 0) == 0);
    auto data = change.substr(std::string("event: machine\ndata: ").size());
    auto entry = nlohmann::json::parse(data.substr(0, data.find('\n')));
    CHECK(entry["id"] == "laser");
    CHECK(entry["state"] == "in_use");
    CHECK(change.size() >= 2);
    CHECK(change.substr(change.size() - 2) == "\n\n");

    a.stream->close();  // the client went away: no more events are queued for it
    lab.board->on_message(kLaserState, state_payload(MachineState::Idle), false);
    CHECK(lab.board->streams() == 0);
}

TEST_CASE("lock publishes fabctl's command and answers confirmed when the gate shows it") {
    WebLab lab;
    auto ada = lab.login("ada");
    lab.board->on_message(kLaserState, state_payload(MachineState::Idle), true);
    auto a = lab.answer("POST", "/api/machines/lab/laser/lock", {{"reason", "new lens"}}, &ada);
    REQUIRE(a.kind == web::Answer::Kind::Later);
    CHECK(!a.later->done());
    REQUIRE(lab.published.size() == 1);
    CHECK(lab.published[0].first == "fabgate/lab/machines/laser/commands");
    auto command = decode_command(lab.published[0].second);
    REQUIRE(command);
    CHECK(command->kind == CommandKind::Lock);
    CHECK(command->by == "ada");
    CHECK(command->reason == "new lens");
    // The ledger holds the lock before any answer: the next access list carries it.
    auto lock = lab.db->machines().lock_of("lab", "laser");
    REQUIRE(*lock);
    CHECK((*lock)->by == "ada");

    // A retained copy is old news; only a fresh state that shows the lock confirms.
    lab.board->on_message(kLaserState, state_payload(MachineState::Maintenance, "", true), true);
    CHECK(!a.later->done());
    lab.board->on_message(kLaserState, state_payload(MachineState::Maintenance, "", true), false);
    REQUIRE(a.later->done());
    auto reply = nlohmann::json::parse(a.later->take().body);
    CHECK(reply["confirmed"] == true);
    CHECK(reply["outcome"] == "confirmed");
    auto log = lab.db->audit().rows(1);
    CHECK(log->front().action == "machine.lock");
    CHECK(log->front().actor == "fabweb:ada");
    CHECK(log->front().after_json.find("\"outcome\":\"confirmed\"") != std::string::npos);
}

TEST_CASE("a command the gate never shows is answered not confirmed after the timeout") {
    WebLab lab;
    lab.config.command_timeout_s = 1;
    auto ada = lab.login("ada");
    lab.board->on_message(kLaserState, state_payload(MachineState::InUse, "m-1", false, "s-1"),
                          true);
    auto a =
        lab.answer("POST", "/api/machines/lab/laser/end-session", nlohmann::json::object(), &ada);
    REQUIRE(a.kind == web::Answer::Kind::Later);
    // A fresh state that does not show the effect (same session still running) confirms nothing.
    lab.board->on_message(kLaserState, state_payload(MachineState::InUse, "m-1", false, "s-1"),
                          false);
    CHECK(!a.later->done());
    run_until(lab, [&] { return a.later->done(); });
    REQUIRE(a.later->done());
    auto reply = nlohmann::json::parse(a.later->take().body);
    CHECK(reply["confirmed"] == false);
    CHECK(reply["outcome"] == "not_confirmed");
    CHECK(reply["message"].get<std::string>().find("no state showing it") != std::string::npos);
}

TEST_CASE("with the broker down a command says so at once, and the lock is still recorded") {
    WebLab lab;
    lab.board->on_connection(false);
    auto ada = lab.login("ada");
    auto r = lab.call("POST", "/api/machines/lab/printer/lock", {{"reason", "jammed"}}, &ada);
    CHECK(r.status == 200);
    CHECK(r.json["outcome"] == "broker_unreachable");
    CHECK(r.json["message"].get<std::string>().find("next access list") != std::string::npos);
    CHECK(*lab.db->machines().lock_of("lab", "printer"));
    CHECK(lab.published.empty());
    auto unknown =
        lab.call("POST", "/api/machines/lab/nothing/lock", nlohmann::json::object(), &ada);
    CHECK(unknown.status == 404);
}

TEST_CASE("an event stream ends with its session: logged out or expired, no more states") {
    WebLab lab;
    auto tess = lab.login("tess");
    auto logged_out = open_events(lab, tess);
    logged_out.stream->take(1 << 20);
    REQUIRE(lab.call("POST", "/api/logout", nlohmann::json::object(), &tess).status == 200);
    CHECK(logged_out.stream->finished());
    lab.board->on_message(kLaserState, state_payload(MachineState::InUse, "m-1"), false);
    CHECK(logged_out.stream->take(1 << 20).find("m-1") == std::string::npos);

    auto expired = open_events(lab, lab.login("ada"));
    expired.stream->take(1 << 20);
    lab.steady += 1'800'000;  // the idle timeout: an open stream is not a use of the session
    lab.board->keepalive();
    CHECK(expired.stream->finished());
    CHECK(lab.board->streams() == 0);
}

#pragma once
// fabweb's application: routes a request to its handler after the checks every request gets
// (session, CSRF on every change, the role), and adds the security headers to every answer.
// Handlers run fabctl's own commands (ctl::run_command) so the console and fabctl never
// disagree. The HTTP server (http_server.hpp) and the MQTT link are outside: tests drive this
// class directly.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "ledger/ledger_db.hpp"
#include "web/auth.hpp"
#include "web/board.hpp"
#include "web/http_types.hpp"
#include "web/web_config.hpp"

namespace fabgate::web {

inline constexpr const char* kSessionCookie = "fabweb_session";

// Which roles may call a route: bits of these.
enum RoleBits : unsigned { kAdmin = 1, kTrainer = 2, kTreasurer = 4, kAnyRole = 7 };
unsigned role_bit(ledger::ManagerRole role);

struct WebAppDeps {
    ledger::LedgerDb* db = nullptr;
    const WebConfig* config = nullptr;
    Board* board = nullptr;
    std::function<UnixMs()> now;              // wall clock, for the ledger and the audit log
    std::function<std::int64_t()> steady_ms;  // monotonic, for session expiry and rate limits
    bool secure_cookie = true;                // false only on a plain-HTTP loopback listener
};

class WebApp;

// What a handler gets.
struct Call {
    WebApp& app;
    const HttpRequest& request;
    WebSession* session = nullptr;          // null only on public routes
    std::map<std::string, std::string> at;  // the path's {names}
    nlohmann::json body;                    // parsed for non-GET requests (an object)
};

using RouteHandler = std::function<Answer(Call&)>;

struct Route {
    std::string method;
    std::string pattern;  // "/api/members/{id}/suspend"
    unsigned roles = kAnyRole;
    bool public_route = false;  // no session needed (login, static files)
    RouteHandler handler;
};

class WebApp {
  public:
    explicit WebApp(WebAppDeps deps);
    Answer handle(const HttpRequest& request);
    // Whether the session with this token still stands (not ended, expired, nor its account
    // removed or its password changed), without counting as its use.
    bool session_stands(const std::string& token);

    WebAppDeps& deps() { return deps_; }
    ledger::LedgerDb& db() { return *deps_.db; }
    const WebConfig& config() const { return *deps_.config; }
    Board& board() { return *deps_.board; }
    SessionStore& sessions() { return sessions_; }
    LoginLimiter& limiter() { return limiter_; }
    void add(Route route) { routes_.push_back(std::move(route)); }

  private:
    Answer dispatch(const HttpRequest& request);
    tl::expected<WebSession*, Answer> current_session(const HttpRequest& request);
    // Brings the session's role and machines up to its account's row; false (and the session
    // removed) if the account is gone or has another password.
    tl::expected<bool, Answer> follow_account(WebSession& session);
    WebAppDeps deps_;
    SessionStore sessions_;
    LoginLimiter limiter_;
    std::vector<Route> routes_;
};

// ---- answers ------------------------------------------------------------------------------
Answer json_answer(const nlohmann::json& value, int status = 200);
Answer json_text_answer(std::string json_text, int status = 200);
Answer error_answer(int status, std::string code, std::string where, std::string what);
// The headers every answer carries (CSP, nosniff, no referrer, no framing).
void add_security_headers(HttpResponse& response, bool tls);

// A string field of the body: missing -> "", wrong type -> the error to return.
std::optional<Answer> body_string(const Call& call, const std::string& name, std::string& out);

// Route families (handlers_*.cpp, static_files.cpp).
void add_session_routes(WebApp& app);
void add_machine_routes(WebApp& app);
void add_people_routes(WebApp& app);
void add_money_routes(WebApp& app);
void add_static_routes(WebApp& app);

}  // namespace fabgate::web

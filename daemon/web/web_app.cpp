#include "web/web_app.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace fabgate::web {
namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

// "/api/members/{id}" against "/api/members/m-1": true, at["id"] = "m-1". A final "*" takes
// any rest.
bool matches(const std::string& pattern, const std::string& path,
             std::map<std::string, std::string>& at) {
    if (pattern == "*") return true;
    auto want = split_path(pattern), have = split_path(path);
    if (want.size() != have.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i) {
        const auto& w = want[i];
        if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
            if (have[i].empty()) return false;
            at[w.substr(1, w.size() - 2)] = have[i];
        } else if (w != have[i]) {
            return false;
        }
    }
    return true;
}

bool changes_something(const std::string& method) {
    return method != "GET" && method != "HEAD";
}

// Another site's page can make a browser POST a form here (text/plain can even carry a JSON
// body) without asking; only a request declared JSON needs a CORS preflight, which fabweb never
// grants. That keeps other sites from logging in or failing logins from a lab browser.
bool declared_json(const HttpRequest& request) {
    std::string type = request.header("content-type");
    type = type.substr(0, type.find(';'));
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    return type == "application/json";
}

// A page on another site whose DNS name is then pointed at the console's address is, for the
// lab browser, still its own origin: its script may send JSON and read the answers. Its name
// is in the Host header, so a plain-HTTP console answers only an address (no DNS, nothing to
// rebind), localhost, or a name it was given. Over HTTPS the browser refuses the certificate
// for a rebound name before sending anything.
bool served_host(const ListenConfig& listen, const std::string& host) {
    if (listen.tls()) return true;
    std::string name = host.substr(0, host.find(':'));
    if (!host.empty() && host.front() == '[') {  // "[::1]:8080"
        auto close = host.find(']');
        name = close == std::string::npos ? "" : host.substr(1, close - 1);
    }
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in_addr v4{};
    in6_addr v6{};
    return name == "localhost" || ::inet_pton(AF_INET, name.c_str(), &v4) == 1 ||
           ::inet_pton(AF_INET6, name.c_str(), &v6) == 1 ||
           std::find(listen.hosts.begin(), listen.hosts.end(), name) != listen.hosts.end();
}

}  // namespace

unsigned role_bit(ledger::ManagerRole role) {
    switch (role) {
        case ledger::ManagerRole::Admin:
            return kAdmin;
        case ledger::ManagerRole::Trainer:
            return kTrainer;
        case ledger::ManagerRole::Treasurer:
            return kTreasurer;
    }
    return 0;
}

Answer json_answer(const nlohmann::json& value, int status) {
    return json_text_answer(value.dump(), status);
}

Answer json_text_answer(std::string json_text, int status) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(json_text);
    return Answer::now(std::move(r));
}

Answer error_answer(int status, std::string code, std::string where, std::string what) {
    return json_answer(
        {{"error", {{"where", std::move(where)}, {"what", std::move(what)}, {"code", code}}}},
        status);
}

void add_security_headers(HttpResponse& r, bool tls) {
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; script-src 'self'; style-src 'self'; img-src "
                           "'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri "
                           "'none'; form-action 'self'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    if (tls) r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
}

std::optional<Answer> body_string(const Call& call, const std::string& name, std::string& out) {
    auto it = call.body.find(name);
    if (it == call.body.end() || it->is_null()) {
        out.clear();
        return std::nullopt;
    }
    if (it->is_string()) {
        out = it->get<std::string>();
        return std::nullopt;
    }
    if (it->is_number_integer()) {
        out = std::to_string(it->get<std::int64_t>());
        return std::nullopt;
    }
    return error_answer(400, "json", name, "must be a string");
}

WebApp::WebApp(WebAppDeps deps)
    : deps_(std::move(deps)),
      sessions_(std::int64_t{deps_.config->idle_timeout_s} * 1000,
                deps_.config->max_sessions_per_account),
      limiter_(deps_.config->login_limit_per_address, deps_.config->login_limit_per_login,
               std::int64_t{deps_.config->login_window_s} * 1000) {
    add_session_routes(*this);
    add_machine_routes(*this);
    add_people_routes(*this);
    add_money_routes(*this);
    add_static_routes(*this);  // last: its "*" takes what no other route did
}

Answer WebApp::handle(const HttpRequest& request) {
    Answer answer = dispatch(request);
    HttpResponse& r = answer.response;
    add_security_headers(r, config().listen.tls());
    if (request.path.rfind("/api/", 0) == 0) r.headers.emplace_back("Cache-Control", "no-store");
    if (answer.kind == Answer::Kind::Later) {
        // complete() may have run already (a broker that is not connected answers at once).
        if (answer.later->done()) {
            auto done = answer.later->take();
            for (auto& h : r.headers) done.headers.push_back(h);
            return Answer::now(std::move(done));
        }
        answer.later->extra_headers = r.headers;
    }
    return answer;
}

// The request's session, null if none. Accounts are changed by `fabweb --add-manager` and
// `--remove-manager`, other processes: the ledger's row is read on every request, so a removed
// account or a changed password ends the session and a new role or machine list applies at once.
tl::expected<WebSession*, Answer> WebApp::current_session(const HttpRequest& request) {
    auto cookie = request.cookies.find(kSessionCookie);
    if (cookie == request.cookies.end()) return nullptr;
    WebSession* session = sessions_.find(cookie->second, deps_.steady_ms());
    if (!session) return nullptr;
    TRY_ASSIGN(bool stands, follow_account(*session));
    return stands ? session : nullptr;
}

tl::expected<bool, Answer> WebApp::follow_account(WebSession& session) {
    auto account = deps_.db->managers().find(session.login);
    if (!account)
        return tl::unexpected(
            error_answer(500, "internal", account.error().where, account.error().what));
    if (!*account || (*account)->password_hash != session.password_hash) {
        sessions_.remove(session.token);
        return false;
    }
    session.role = (*account)->role;
    session.machines = (*account)->machines;
    return true;
}

bool WebApp::session_stands(const std::string& token) {
    WebSession* session = sessions_.peek(token, deps_.steady_ms());
    if (!session) return false;
    auto stands = follow_account(*session);
    return stands && *stands;  // a ledger that cannot be read ends the stream: it reconnects
}

Answer WebApp::dispatch(const HttpRequest& request) {
    // Says nothing of the console: the page that sent it can read it.
    if (!served_host(config().listen, request.header("host")))
        return error_answer(421, "host", "Host", "is not a name this console answers to");
    if (request.body_too_large)  // HttpServerOptions::max_body_bytes, not changed by fabweb
        return error_answer(413, "too_large", "request", "the body is over 64 KiB");
    const Route* found = nullptr;
    bool other_method = false;
    std::map<std::string, std::string> at;
    for (const auto& route : routes_) {
        std::map<std::string, std::string> params;
        if (!matches(route.pattern, request.path, params)) continue;
        bool api_path = request.path.rfind("/api/", 0) == 0;
        if (route.pattern == "*" && api_path) break;  // no static file answers for /api
        if (route.method != request.method &&
            !(route.method == "GET" && request.method == "HEAD")) {
            other_method = true;
            continue;
        }
        found = &route;
        at = std::move(params);
        break;
    }
    if (!found) {
        if (other_method)
            return error_answer(405, "method", request.method + " " + request.path,
                                "is not allowed here");
        return error_answer(404, "not_found", request.path, "no such page or API");
    }
    if (changes_something(request.method) && !declared_json(request))
        return error_answer(400, "json", "Content-Type", "must be application/json");
    Call call{*this, request, nullptr, std::move(at), nlohmann::json::object()};
    if (!found->public_route) {
        auto session = current_session(request);
        if (!session) return std::move(session).error();  // Answer, not an Error: no TRY
        call.session = *session;
        if (!call.session)
            return error_answer(401, "login", "session", "not logged in, or the session expired");
        // Every change carries the session's CSRF token: another site can make the browser
        // send the cookie, never this header.
        if (changes_something(request.method) &&
            !same_secret(request.header("x-csrf-token"), call.session->csrf))
            return error_answer(403, "csrf", "X-CSRF-Token",
                                "missing or wrong: reload the page and try again");
        if ((found->roles & role_bit(call.session->role)) == 0)
            return error_answer(403, "role", request.path,
                                "the " + std::string(ledger::to_string(call.session->role)) +
                                    " role may not do this");
    }
    if (changes_something(request.method) && !request.body.empty()) {
        auto parsed = nlohmann::json::parse(request.body, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object())
            return error_answer(400, "json", "body", "must be a JSON object");
        call.body = std::move(parsed);
    }
    return found->handler(call);
}

}  // namespace fabgate::web

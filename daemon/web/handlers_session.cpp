// POST /api/login, POST /api/logout, GET /api/session.
#include "sys/log.hpp"
#include "web/web_app.hpp"

namespace fabgate::web {
namespace {

// Secure unless the browser's page is plain HTTP. Behind a reverse proxy that speaks HTTPS,
// fabweb listens on plain loopback HTTP, but the page's origin, which the browser sends with
// every POST, is https: without Secure, the cookie would also go in clear to http:// on the
// same name (a redirect to https, say), to anyone on the Wi-Fi.
std::string cookie(const Call& call, const std::string& value, bool clear) {
    std::string c =
        std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
    if (call.app.deps().secure_cookie || call.request.header("origin").rfind("https://", 0) == 0)
        c += "; Secure";
    if (clear) c += "; Max-Age=0";
    return c;
}

nlohmann::json who(const WebSession& s) {
    return {{"login", s.login},
            {"role", std::string(ledger::to_string(s.role))},
            {"machines", s.machines},
            {"csrf", s.csrf}};
}

// A hash to check a password against when the login does not exist, so that a wrong login
// takes as long as a wrong password and does not tell which logins exist. Made when the
// console starts (add_session_routes): made at the first unknown login, it would double that
// login's time.
const std::string& decoy_hash() {
    static const std::string hash = hash_password("no such account, no such password").value_or("");
    return hash;
}

// A failed or refused login leaves an audit row, so a treasurer reading the audit page sees
// someone trying passwords. The rate limit bounds how many rows one attacker can add; the
// password is never written. A failure to audit is logged and does not change the answer.
void audit_login_refusal(Call& call, const std::string& login, std::string_view action,
                         const std::string& address) {
    nlohmann::json after = {{"address", address}};
    auto recorded = call.app.db().audit().record("fabweb", action, login, "", after.dump(),
                                                 call.app.deps().now());
    if (!recorded) log::warning("login", "could not audit: " + recorded.error().message());
}

Answer login(Call& call) {
    std::string name, password;
    if (auto bad = body_string(call, "login", name)) return *bad;
    if (auto bad = body_string(call, "password", password)) return *bad;
    auto& app = call.app;
    auto now_ms = app.deps().steady_ms();
    const auto& address = call.request.client_address;
    if (auto wait = app.limiter().retry_after_ms(address, name, now_ms); wait > 0) {
        auto answer = error_answer(
            429, "rate", "login",
            "too many failed logins; try again in " + std::to_string((wait + 999) / 1000) + " s");
        answer.response.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
        if (app.limiter().first_refusal(address, name, now_ms))
            audit_login_refusal(call, name, "console.login_limited", address);
        return answer;
    }
    auto account = app.db().managers().find(name);
    if (!account) return error_answer(500, "internal", account.error().where, account.error().what);
    bool ok = false;
    if (*account)
        ok = verify_password((*account)->password_hash, password);
    else
        (void)verify_password(decoy_hash(), password);
    if (!ok) {
        app.limiter().failed(address, name, now_ms);
        log::notice("login", "failed login for '" + name + "' from " + address);
        audit_login_refusal(call, name, "console.login_failed", address);
        return error_answer(401, "login", "login", "wrong login or password");
    }
    app.limiter().succeeded(name);
    const auto& session = app.sessions().create(**account, now_ms);
    log::info("login", "'" + name + "' logged in from " + address);
    auto answer = json_answer(who(session));
    answer.response.headers.emplace_back("Set-Cookie", cookie(call, session.token, false));
    return answer;
}

Answer logout(Call& call) {
    call.app.sessions().remove(call.session->token);
    call.app.board().prune_streams();  // this session's board stops now, not at the keepalive
    auto answer = json_answer(nlohmann::json::object());
    answer.response.headers.emplace_back("Set-Cookie", cookie(call, "", true));
    return answer;
}

// The decimals this ledger writes amounts in each currency with (ISO 4217's, or those it kept,
// core/billing.hpp), for the lab's currency and every currency it has a price in, so every
// amount it holds: the console shows minor units with them, not with the browser's own table
// (which gives IQD none, and knows nothing of kept decimals).
Result<nlohmann::json> ledger_decimals(ledger::LedgerDb& db, const std::string& lab_currency) {
    TRY_ASSIGN(auto kept, db.tariffs().kept_decimals());
    TRY_ASSIGN(auto tariffs, db.tariffs().all());
    auto j = nlohmann::json::object();
    if (!lab_currency.empty()) j[lab_currency] = currency_decimals(lab_currency, kept);
    for (const auto& t : tariffs) j[t.currency] = currency_decimals(t.currency, kept);
    return j;
}

Answer session(Call& call) {
    auto j = who(*call.session);
    const auto& config = call.app.config();
    auto decimals = ledger_decimals(call.app.db(), config.currency);
    if (!decimals)
        return error_answer(500, "internal", decimals.error().where, decimals.error().what);
    j["lab"] = {{"time_zone", config.time_zone.empty() ? "UTC" : config.time_zone},
                {"currency", config.currency},
                {"currency_decimals", *decimals}};
    return json_answer(j);
}

}  // namespace

void add_session_routes(WebApp& app) {
    (void)decoy_hash();
    app.add({"POST", "/api/login", kAnyRole, true, login});
    app.add({"POST", "/api/logout", kAnyRole, false, logout});
    app.add({"GET", "/api/session", kAnyRole, false, session});
}

}  // namespace fabgate::web

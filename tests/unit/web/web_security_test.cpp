// Login, cookies, CSRF, the login rate limit, session expiry and the security headers.
#include "web_fixture.hpp"

using namespace fabgate;
using fabgate::test::WebLab;

// Every Argon2id run of the console, through the linker (CMakeLists.txt: --wrap): a login's
// cost counted, not timed.
namespace {
int argon2_runs = 0;
}
extern "C" {
int __real_crypto_pwhash_str(char* out, const char* passwd, unsigned long long passwdlen,
                             unsigned long long opslimit, size_t memlimit);
int __real_crypto_pwhash_str_verify(const char* str, const char* passwd,
                                    unsigned long long passwdlen);
int __wrap_crypto_pwhash_str(char* out, const char* passwd, unsigned long long passwdlen,
                             unsigned long long opslimit, size_t memlimit) {
    ++argon2_runs;
    return __real_crypto_pwhash_str(out, passwd, passwdlen, opslimit, memlimit);
}
int __wrap_crypto_pwhash_str_verify(const char* str, const char* passwd,
                                    unsigned long long passwdlen) {
    ++argon2_runs;
    return __real_crypto_pwhash_str_verify(str, passwd, passwdlen);
}
}

TEST_CASE("a login sets an HttpOnly, Secure, SameSite=Strict cookie and answers the CSRF token") {
    WebLab lab;
    auto r = lab.call("POST", "/api/login", {{"login", "ada"}, {"password", test::kPassword}});
    REQUIRE(r.status == 200);
    CHECK(r.json["role"] == "admin");
    CHECK(r.json["csrf"].get<std::string>().size() == 64);
    auto cookie = r.header("Set-Cookie");
    CHECK(cookie.rfind("fabweb_session=", 0) == 0);
    CHECK(cookie.find("; HttpOnly") != std::string::npos);
    CHECK(cookie.find("; Secure") != std::string::npos);
    CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
    CHECK(cookie.find("Path=/") != std::string::npos);
}

TEST_CASE("every answer carries a strict CSP and the usual headers, errors and files too") {
    WebLab lab;
    std::ofstream(lab.config.static_dir + "/index.html") << "<!doctype html>";
    for (std::string call :
         {"GET /api/session", "GET /", "GET /api/nothing", "GET /api/login", "POST /api/login"}) {
        CAPTURE(call);
        auto space = call.find(' ');
        auto a = lab.answer(
            call.substr(0, space), call.substr(space + 1),
            "POST" == call.substr(0, space) ? nlohmann::json("not an object") : nlohmann::json());
        std::map<std::string, std::string> h(a.response.headers.begin(), a.response.headers.end());
        CHECK(h["Content-Security-Policy"].find("script-src 'self';") != std::string::npos);
        CHECK(h["Content-Security-Policy"].find("frame-ancestors 'none'") != std::string::npos);
        CHECK(h["Content-Security-Policy"].find("unsafe-inline") == std::string::npos);
        CHECK(h["X-Content-Type-Options"] == "nosniff");
        CHECK(h["Referrer-Policy"] == "no-referrer");
    }
}

// Before the other tests with an unknown login: the decoy is made once per process.
TEST_CASE("the first unknown login costs one password hash, as a known login does") {
    WebLab lab;  // a console just started
    auto runs_for = [&](const std::string& login) {
        int before = argon2_runs;
        auto r = lab.call("POST", "/api/login", {{"login", login}, {"password", "not it at all"}});
        CHECK(r.status == 401);
        return argon2_runs - before;
    };
    // Made at the first unknown login, the decoy hash would double its time: a name typed
    // for the first time would show it is no account.
    int unknown = runs_for("zed");
    int known = runs_for("ada");
    CHECK(known == 1);
    CHECK(unknown == known);
}

TEST_CASE("a wrong password and an unknown login get the same answer") {
    WebLab lab;
    auto wrong = lab.call("POST", "/api/login", {{"login", "ada"}, {"password", "not it at all"}});
    auto unknown = lab.call("POST", "/api/login", {{"login", "zed"}, {"password", "whatever1234"}});
    CHECK(wrong.status == 401);
    CHECK(wrong.code() == "login");
    CHECK(unknown.status == 401);
    CHECK(wrong.json == unknown.json);
    CHECK(wrong.header("Set-Cookie").empty());
}

TEST_CASE("without a session the API answers 401 login") {
    WebLab lab;
    auto r = lab.call("GET", "/api/machines");
    CHECK(r.status == 401);
    CHECK(r.code() == "login");
    test::LoggedIn forged{"00ff", "00ff"};
    CHECK(lab.call("GET", "/api/members", nullptr, &forged).status == 401);
}

TEST_CASE("a change without the session's CSRF token is refused and changes nothing") {
    WebLab lab;
    auto ada = lab.login("ada");
    nlohmann::json member{{"id", "m-1"}, {"name", "Ann"}, {"class", "standard"}};
    auto none = lab.call("POST", "/api/members", member, &ada, false);
    CHECK(none.status == 403);
    CHECK(none.code() == "csrf");
    test::LoggedIn wrong{ada.token, std::string(64, 'a')};
    CHECK(lab.call("POST", "/api/members", member, &wrong).code() == "csrf");
    // Another session's token is no better.
    auto other = lab.login("ada");
    test::LoggedIn crossed{ada.token, other.csrf};
    CHECK(lab.call("POST", "/api/members", member, &crossed).code() == "csrf");
    CHECK(!lab.db->members().find("m-1").value());
    CHECK(lab.call("POST", "/api/members", member, &ada).status == 200);
    CHECK(lab.db->members().find("m-1").value());
}

TEST_CASE("failed logins are limited per login name, then per client address") {
    WebLab lab;  // defaults: 5 per login, 10 per address, over 300 s
    for (int i = 0; i < 5; ++i)
        CHECK(lab.call("POST", "/api/login",
                       {{"login", "ada"}, {"password", "guess-" + std::to_string(i)}})
                  .status == 401);
    // The right password does not get through while the limit holds.
    auto limited =
        lab.call("POST", "/api/login", {{"login", "ada"}, {"password", test::kPassword}});
    CHECK(limited.status == 429);
    CHECK(limited.code() == "rate");
    CHECK(std::stoi(limited.header("Retry-After")) == 300);
    // Another address is limited on the same login too (the login is under attack)...
    CHECK(lab.call("POST", "/api/login", {{"login", "ada"}, {"password", test::kPassword}}, nullptr,
                   true, "198.51.100.7")
              .status == 429);
    // ...until the window has passed.
    lab.steady += 300'000;
    CHECK(
        lab.call("POST", "/api/login", {{"login", "ada"}, {"password", test::kPassword}}).status ==
        200);

    // Per address: ten failures over different logins, then even a good login waits.
    for (int i = 0; i < 10; ++i)
        lab.call("POST", "/api/login",
                 {{"login", "x" + std::to_string(i)}, {"password", "nope-nope"}}, nullptr, true,
                 "203.0.113.9");
    CHECK(lab.call("POST", "/api/login", {{"login", "tess"}, {"password", test::kPassword}},
                   nullptr, true, "203.0.113.9")
              .status == 429);
    CHECK(lab.call("POST", "/api/login", {{"login", "tess"}, {"password", test::kPassword}},
                   nullptr, true, "203.0.113.10")
              .status == 200);
}

TEST_CASE("failed and rate-limited logins are audited with login and address, never the password") {
    WebLab lab;  // defaults: 5 failures per login
    for (int i = 0; i < 6; ++i)
        lab.call("POST", "/api/login",
                 {{"login", "ada"}, {"password", "guess-" + std::to_string(i)}}, nullptr, true,
                 "198.51.100.7");
    lab.login("tess");
    auto rows = lab.db->audit().rows(50);
    REQUIRE(rows);
    int failed = 0, limited = 0;
    for (const auto& row : *rows) {
        CHECK(row.after_json.find("guess-") == std::string::npos);
        if (row.action == "console.login_failed") ++failed;
        if (row.action == "console.login_limited") ++limited;
        if (row.action.rfind("console.login", 0) == 0) {
            CHECK(row.subject == "ada");
            CHECK(row.actor == "fabweb");
            CHECK(row.after_json.find("198.51.100.7") != std::string::npos);
        }
    }
    CHECK(failed == 5);
    CHECK(limited == 1);
}

TEST_CASE("a session unused for the idle timeout ends; use keeps it alive") {
    WebLab lab;  // 1800 s
    auto ada = lab.login("ada");
    lab.steady += 1'700'000;
    CHECK(lab.call("GET", "/api/session", nullptr, &ada).status == 200);
    lab.steady += 1'700'000;  // 1700 s after the last use
    CHECK(lab.call("GET", "/api/session", nullptr, &ada).status == 200);
    lab.steady += 1'800'000;
    auto expired = lab.call("GET", "/api/session", nullptr, &ada);
    CHECK(expired.status == 401);
    CHECK(expired.code() == "login");
}

TEST_CASE("logout ends the session") {
    WebLab lab;
    auto ada = lab.login("ada");
    auto out = lab.call("POST", "/api/logout", nlohmann::json::object(), &ada);
    CHECK(out.status == 200);
    CHECK(out.header("Set-Cookie").find("Max-Age=0") != std::string::npos);
    CHECK(lab.call("GET", "/api/session", nullptr, &ada).status == 401);
}

TEST_CASE("passwords are stored as Argon2id hashes, never in clear") {
    auto hash = web::hash_password("correct horse battery");
    REQUIRE(hash);
    CHECK(hash->rfind("$argon2id$", 0) == 0);
    CHECK(web::verify_password(*hash, "correct horse battery"));
    CHECK(!web::verify_password(*hash, "correct horse batterY"));
    CHECK(!web::check_password_strength("short"));
}

TEST_CASE("static files: no way out of the directory, no directory listing") {
    WebLab lab;
    std::ofstream(lab.config.static_dir + "/app.js") << "export {}";
    auto js = lab.answer("GET", "/app.js");
    CHECK(js.response.status == 200);
    CHECK(js.response.content_type.rfind("text/javascript", 0) == 0);
    for (auto path : {"/../ledger.db", "/a/../../ledger.db", "/.hidden", "//etc/passwd"}) {
        CAPTURE(path);
        CHECK(lab.answer("GET", path).response.status == 404);
    }
}

TEST_CASE("an account removed or given a new password loses its sessions; new machines apply") {
    WebLab lab;
    auto ada = lab.login("ada");
    auto tom = lab.login("tom");
    // `fabweb --remove-manager` and `--add-manager` run as other processes: the ledger is all
    // the running console hears of them.
    REQUIRE(lab.db->managers().remove("ada", "fabweb:root", lab.now));
    auto removed = lab.call("GET", "/api/session", nullptr, &ada);
    CHECK(removed.status == 401);
    CHECK(removed.code() == "login");

    lab.add_account("tom", ledger::ManagerRole::Trainer, {"lab/printer"});  // same password
    auto session = lab.call("GET", "/api/session", nullptr, &tom);
    REQUIRE(session.status == 200);
    CHECK(session.json["machines"] == nlohmann::json::array({"lab/printer"}));
    auto laser =
        lab.call("POST", "/api/rights", {{"member", "m-1"}, {"machine", "lab/laser"}}, &tom);
    CHECK(laser.code() == "role");

    auto new_hash = web::hash_password("a brand new password");
    REQUIRE(new_hash);
    REQUIRE(lab.db->managers().put(
        {"tom", ledger::ManagerRole::Trainer, {"lab/printer"}, *new_hash, 0, 0}, "fabweb:root",
        lab.now));
    CHECK(lab.call("GET", "/api/session", nullptr, &tom).status == 401);
}

TEST_CASE("a login posted by another site's form is refused before it counts as a failure") {
    WebLab lab;  // defaults: 10 failures per address, 5 per login
    // A form on any page a lab browser opens can POST here (text/plain carries a JSON body; no
    // body at all is a login "" failing); fetch() with JSON needs a preflight we never answer.
    auto form_post = [&](const std::string& content_type, const std::string& body) {
        web::HttpRequest r;
        r.method = "POST";
        r.path = "/api/login";
        r.headers["content-type"] = content_type;
        r.headers["host"] = "127.0.0.1:8080";
        r.body = body;
        r.client_address = "192.0.2.50";
        return lab.app->handle(r).response;
    };
    std::string guess = R"({"login":"ada","password":"guess","x":"="})";
    for (int i = 0; i < 10; ++i) {
        auto plain = form_post("text/plain", guess);
        CHECK(plain.status == 400);
        CHECK(form_post("application/x-www-form-urlencoded", "").status == 400);
    }
    auto logged_in =
        lab.call("POST", "/api/login", {{"login", "ada"}, {"password", test::kPassword}}, nullptr,
                 true, "192.0.2.50");
    CHECK(logged_in.status == 200);
    auto sneaked = form_post(
        "text/plain", nlohmann::json{{"login", "tess"}, {"password", test::kPassword}}.dump());
    CHECK(sneaked.status == 400);
    for (const auto& [name, value] : sneaked.headers) CHECK(name != "Set-Cookie");
}

TEST_CASE("a flood of refused logins adds one audit row per limit and window, not one each") {
    WebLab lab;  // defaults: 5 failures per login, 10 per address, over 300 s
    auto limited_rows = [&] {
        auto rows = lab.db->audit().rows(100000);
        REQUIRE(rows);
        return std::count_if(rows->begin(), rows->end(),
                             [](const auto& row) { return row.action == "console.login_limited"; });
    };
    auto attempt = [&](const std::string& login, const std::string& address) {
        return lab.call("POST", "/api/login", {{"login", login}, {"password", "nope-nope"}},
                        nullptr, true, address);
    };
    for (int i = 0; i < 5; ++i) attempt("ada", "198.51.100.7");
    // The login is limited, from any address.
    for (int i = 0; i < 200; ++i)
        CHECK(attempt("ada", "198.51.100." + std::to_string(i)).status == 429);
    CHECK(limited_rows() == 1);
    // An address is limited, whatever login it types.
    for (int i = 0; i < 10; ++i) attempt("x" + std::to_string(i), "203.0.113.9");
    for (int i = 0; i < 200; ++i)
        CHECK(attempt("y" + std::to_string(i), "203.0.113.9").status == 429);
    CHECK(limited_rows() == 2);
    lab.steady += 300'000;  // a new window: the next refusal is written again
    for (int i = 0; i < 5; ++i) attempt("ada", "198.51.100.7");
    attempt("ada", "198.51.100.7");
    CHECK(limited_rows() == 3);
}

TEST_CASE("behind a reverse proxy that speaks HTTPS the session cookie is Secure all the same") {
    WebLab lab;
    lab.app->deps().secure_cookie = false;  // a plain-HTTP loopback listener
    auto login_from = [&](const std::string& origin) {
        web::HttpRequest r;
        r.method = "POST";
        r.path = "/api/login";
        r.headers["content-type"] = "application/json";
        r.headers["host"] = "127.0.0.1:8080";
        if (!origin.empty()) r.headers["origin"] = origin;
        r.body = nlohmann::json{{"login", "ada"}, {"password", test::kPassword}}.dump();
        r.client_address = "127.0.0.1";
        auto answer = lab.app->handle(r).response;
        REQUIRE(answer.status == 200);
        for (const auto& [name, value] : answer.headers)
            if (name == "Set-Cookie") return value;
        return std::string();
    };
    // Without Secure, the browser would also send the cookie to http://console.lab/, in clear
    // on the Wi-Fi, the first time anything made it ask for that address.
    CHECK(login_from("https://console.lab").find("; Secure") != std::string::npos);
    // A browser on the host itself, on http://127.0.0.1:8080/, and curl (no Origin) keep it.
    CHECK(login_from("http://127.0.0.1:8080").find("; Secure") == std::string::npos);
    CHECK(login_from("").find("; Secure") == std::string::npos);
}

TEST_CASE("a page whose name was rebound to the console's address gets nothing from it") {
    WebLab lab;  // plain HTTP on 127.0.0.1:8080
    std::ofstream(lab.config.static_dir + "/index.html") << "<!doctype html>";
    auto with_host = [&](const std::string& method, const std::string& path,
                         const std::string& host) {
        web::HttpRequest r;
        r.method = method;
        r.path = path;
        if (method != "GET") {
            r.headers["content-type"] = "application/json";
            r.body = nlohmann::json{{"login", "ada"}, {"password", test::kPassword}}.dump();
        }
        if (!host.empty()) r.headers["host"] = host;
        r.client_address = "127.0.0.1";
        return lab.app->handle(r).response;
    };
    // For the lab browser, http://rebound.example:8080/ is the page's own origin even once the
    // name points at the console: its script may send JSON and read the answers. Only the Host
    // header tells: the page, a login (which would hand it a session), even a 404.
    for (std::string path : {"/", "/api/login", "/api/nothing"}) {
        CAPTURE(path);
        auto method = path == "/api/login" ? "POST" : "GET";
        auto refused = with_host(method, path, "rebound.example:8080");
        CHECK(refused.status == 421);
        CHECK(refused.body.find("rebound") == std::string::npos);  // nothing said back
        CHECK(refused.body.find("127.0.0.1") == std::string::npos);
        std::map<std::string, std::string> h(refused.headers.begin(), refused.headers.end());
        CHECK(h.count("Set-Cookie") == 0);
        CHECK(h["X-Content-Type-Options"] == "nosniff");
        CHECK(with_host(method, path, "").status == 421);  // HTTP/1.0 without a Host
    }
    auto code = nlohmann::json::parse(with_host("GET", "/", "rebound.example").body);
    CHECK(code["error"]["code"] == "host");
    // A refused login is not a failed one: the page cannot lock a manager out either.
    for (int i = 0; i < 6; ++i) with_host("POST", "/api/login", "rebound.example:8080");
    CHECK(lab.call("POST", "/api/login", {{"login", "ada"}, {"password", test::kPassword}}, nullptr,
                   true, "127.0.0.1")
              .status == 200);

    // What browsers use today: an address (no DNS, nothing to rebind), localhost, and behind
    // the documented nginx the upstream's own 127.0.0.1:8080.
    for (std::string host : {"127.0.0.1:8080", "127.0.0.1", "localhost:8080", "LOCALHOST",
                             "[::1]:8080", "192.0.2.10:8080"}) {
        CAPTURE(host);
        CHECK(with_host("GET", "/", host).status == 200);
        CHECK(with_host("POST", "/api/login", host).status == 200);
    }
    // A name is served once listen.hosts has it (a proxy passing the browser's Host through).
    CHECK(with_host("GET", "/", "console.lab").status == 421);
    lab.config.listen.hosts = {"console.lab"};
    CHECK(with_host("GET", "/", "console.lab").status == 200);
    CHECK(with_host("GET", "/", "Console.Lab:443").status == 200);
    CHECK(with_host("GET", "/", "console.lab.rebound.example").status == 421);
    // Over HTTPS a rebound name fails the browser's certificate check before any request.
    lab.config.listen.hosts.clear();
    lab.config.listen.cert_file = "fabweb.crt";
    lab.config.listen.key_file = "fabweb.key";
    CHECK(with_host("GET", "/", "console.lab:8443").status == 200);
}

#pragma once
// A console on a temporary ledger, driven through WebApp::handle without a socket: accounts
// for each role, a fake broker publisher, and clocks the test moves.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ledger/ledger_db.hpp"
#include "loop/event_loop.hpp"
#include "web/auth.hpp"
#include "web/board.hpp"
#include "web/web_app.hpp"

namespace fabgate::test {

inline constexpr const char* kPassword = "correct horse battery";

struct Reply {
    int status = 0;
    nlohmann::json json;
    web::HttpResponse raw;
    std::string header(const std::string& name) const {
        for (const auto& [n, v] : raw.headers)
            if (n == name) return v;
        return "";
    }
    std::string code() const {
        return json.is_object() && json.contains("error") ? json["error"]["code"].get<std::string>()
                                                          : "";
    }
};

struct LoggedIn {
    std::string token, csrf;
};

struct WebLab {
    std::filesystem::path dir;
    std::optional<ledger::LedgerDb> db;
    web::WebConfig config;
    EventLoop loop;
    std::vector<std::pair<std::string, std::string>> published;
    bool broker_up = true;
    std::optional<web::Board> board;
    std::optional<web::WebApp> app;
    UnixMs now = 1'800'000'000'000;  // 2027-01-15
    std::int64_t steady = 1'000'000;

    // `before_open` may write the ledger's file first: a ledger an older release left.
    explicit WebLab(const std::function<void(const std::string& path)>& before_open = {}) {
        char tmpl[] = "/tmp/fabweb-test-XXXXXX";
        dir = mkdtemp(tmpl);
        config.database = (dir / "ledger.db").string();
        config.static_dir = (dir / "static").string();
        std::filesystem::create_directories(config.static_dir);
        if (before_open) before_open(config.database);
        auto opened = ledger::LedgerDb::open(config.database);
        REQUIRE(opened);
        db.emplace(std::move(*opened));
        board.emplace(
            loop,
            [this](const std::string& topic, const std::string& payload) -> Result<int> {
                if (!broker_up) return fail("broker", "not connected");
                published.emplace_back(topic, payload);
                return static_cast<int>(published.size());
            },
            "broker test");
        board->on_connection(true);
        web::WebAppDeps deps{
            &*db, &config, &*board, [this] { return now; }, [this] { return steady; }, true};
        app.emplace(deps);
        board->set_renderer([](const web::MachineKey& k) {
            return nlohmann::json{{"site", k.first}, {"id", k.second}}.dump();
        });
        add_account("ada", ledger::ManagerRole::Admin, {});
        add_account("tom", ledger::ManagerRole::Trainer, {"lab/laser"});
        add_account("tess", ledger::ManagerRole::Treasurer, {});
        REQUIRE(db->machines().upsert({"lab", "laser", "Laser", "lasers"}, "test", now));
        REQUIRE(db->machines().upsert({"lab", "printer", "Printer", std::nullopt}, "test", now));
    }
    ~WebLab() {
        app.reset();
        board.reset();
        db.reset();
        std::filesystem::remove_all(dir);
    }
    WebLab(const WebLab&) = delete;
    WebLab& operator=(const WebLab&) = delete;

    void add_account(const std::string& login, ledger::ManagerRole role,
                     std::vector<std::string> machines) {
        // One hash for all: Argon2id is slow on purpose.
        static const std::string hash = *web::hash_password(kPassword);
        ledger::ManagerAccount a{login, role, std::move(machines), hash, 0, 0};
        REQUIRE(db->managers().put(a, "test", now));
    }

    web::Answer answer(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr, const LoggedIn* who = nullptr,
                       bool with_csrf = true, const std::string& address = "192.0.2.1") {
        web::HttpRequest r;
        r.method = method;
        auto q = path.find('?');
        r.path = path.substr(0, q);
        if (q != std::string::npos) {
            std::string rest = path.substr(q + 1);
            while (!rest.empty()) {
                auto amp = rest.find('&');
                auto pair = rest.substr(0, amp);
                auto eq = pair.find('=');
                r.query[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
                rest = amp == std::string::npos ? "" : rest.substr(amp + 1);
            }
        }
        if (!body.is_null()) r.body = body.dump();
        if (method != "GET") r.headers["content-type"] = "application/json";
        r.headers["host"] = "127.0.0.1:8080";  // a browser on the console's own address
        r.client_address = address;
        if (who) {
            r.cookies[web::kSessionCookie] = who->token;
            if (with_csrf) r.headers["x-csrf-token"] = who->csrf;
        }
        return app->handle(r);
    }

    Reply call(const std::string& method, const std::string& path,
               const nlohmann::json& body = nullptr, const LoggedIn* who = nullptr,
               bool with_csrf = true, const std::string& address = "192.0.2.1") {
        auto a = answer(method, path, body, who, with_csrf, address);
        REQUIRE(a.kind == web::Answer::Kind::Now);
        Reply reply;
        reply.status = a.response.status;
        reply.raw = a.response;
        reply.json = nlohmann::json::parse(a.response.body, nullptr, false);
        return reply;
    }

    LoggedIn login(const std::string& name) {
        auto r = call("POST", "/api/login", {{"login", name}, {"password", kPassword}});
        REQUIRE(r.status == 200);
        auto cookie = r.header("Set-Cookie");
        auto eq = cookie.find('='), semi = cookie.find(';');
        return {cookie.substr(eq + 1, semi - eq - 1), r.json["csrf"].get<std::string>()};
    }
};

}  // namespace fabgate::test

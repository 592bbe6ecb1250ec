// fabweb's start: what it refuses to run without.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "../../integration/web/raw_http.hpp"
#include "web/web_server.hpp"
#include "web_fixture.hpp"

using namespace fabgate;

namespace {

// Takes every free file descriptor for as long as it lives (the soft limit lowered to just
// above the highest open one, the holes below filled), so the next timerfd cannot be made.
class NoFreeDescriptors {
  public:
    NoFreeDescriptors() {
        REQUIRE(getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        int highest = 0;
        if (DIR* dir = opendir("/proc/self/fd")) {
            while (dirent* entry = readdir(dir))
                highest = std::max(highest, std::atoi(entry->d_name));
            closedir(dir);
        }
        rlimit tight = saved_;
        tight.rlim_cur = static_cast<rlim_t>(highest + 1);
        REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);
        for (int fd; (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) held_.push_back(fd);
    }
    ~NoFreeDescriptors() {
        for (int fd : held_) close(fd);
        setrlimit(RLIMIT_NOFILE, &saved_);
    }

  private:
    rlimit saved_{};
    std::vector<int> held_;
};

}  // namespace

TEST_CASE("fabweb refuses to start when it cannot make the board's keepalive timer") {
    test::WebLab lab;
    lab.config.listen.address = "127.0.0.1";
    lab.config.listen.port = 0;
    web::WebServer server(lab.loop, lab.config, *lab.db);
    Status started;
    {
        NoFreeDescriptors exhausted;
        started = server.start();
    }
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error().message().find("keepalive timer") != std::string::npos);
    CHECK(server.port() <= 0);  // refused before the listener opened

    // With descriptors back, the same server starts.
    REQUIRE(server.start());
    CHECK(server.port() > 0);
}

TEST_CASE("an event stream's connection is closed once its session is logged out") {
    test::WebLab lab;
    lab.config.listen.port = 0;
    web::WebServer server(lab.loop, lab.config, *lab.db);
    REQUIRE(server.start());
    test::RawHttp login(
        server.port(),
        test::http_request(
            "POST", "/api/login",
            nlohmann::json{{"login", "tess"}, {"password", test::kPassword}}.dump()));
    REQUIRE(login.read_all(lab.loop));
    auto cookie_at = login.received.find("fabweb_session=");
    REQUIRE(cookie_at != std::string::npos);
    std::string cookie = login.received.substr(cookie_at + 15, 64);
    std::string csrf = nlohmann::json::parse(login.body())["csrf"];

    test::RawHttp events(server.port(), test::http_request("GET", "/api/events", "", cookie));
    REQUIRE(events.read_until(
        lab.loop, [](const std::string& s) { return s.find("retry: 2000") != std::string::npos; }));
    test::RawHttp logout(server.port(),
                         test::http_request("POST", "/api/logout", "{}", cookie, csrf));
    REQUIRE(logout.read_all(lab.loop));
    REQUIRE(logout.received.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(events.read_all(lab.loop));
    CHECK(events.received.find(": keepalive") == std::string::npos);
    server.stop();
}

namespace {

// A connection from `from` (any 127.x address reaches the loopback listener) that sends half a
// request and then nothing: what a slowloris client holds open.
int stalled_connection(int port, const char* from) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &source.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    std::string half = "GET / HTTP/1.1\r\nHost: x\r\n";
    REQUIRE(::send(fd, half.data(), half.size(), MSG_NOSIGNAL) > 0);
    return fd;
}

}  // namespace

TEST_CASE("one client holding every connection it can does not lock the others out") {
    EventLoop loop;
    web::HttpServer server(loop, [](const web::HttpRequest&) {
        web::HttpResponse ok;
        ok.body = "{}";
        return web::Answer::now(ok);
    });
    web::HttpServerOptions options;
    options.port = 0;
    options.max_connections = 16;
    options.max_per_address = 4;
    REQUIRE(server.start(options));
    std::vector<int> held;
    for (int i = 0; i < 16; ++i) held.push_back(stalled_connection(server.port(), "127.0.0.2"));
    for (int i = 0; i < 20; ++i) loop.run_once(10);
    test::RawHttp other(server.port(), test::http_request("GET", "/"));
    REQUIRE(other.read_all(loop));
    CHECK(other.received.rfind("HTTP/1.1 200", 0) == 0);
    for (int fd : held) ::close(fd);
    server.stop();
}

TEST_CASE("a body over 64 KiB is refused with the headers every other answer carries") {
    test::WebLab lab;
    lab.config.listen.port = 0;
    web::WebServer server(lab.loop, lab.config, *lab.db);
    REQUIRE(server.start());
    std::string big =
        nlohmann::json{{"login", "ada"}, {"password", std::string(70'000, 'x')}}.dump();
    test::RawHttp post(server.port(), test::http_request("POST", "/api/login", big));
    REQUIRE(post.read_all(lab.loop));
    auto head = post.received.substr(0, post.received.find("\r\n\r\n"));
    CAPTURE(head);
    REQUIRE(head.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(nlohmann::json::parse(post.body())["error"]["code"] == "too_large");
    // The answer is a page of the console's origin like any other: no sniffing it into HTML,
    // no framing it, no referrer, not kept in a cache.
    CHECK(head.find("\r\nContent-Security-Policy: default-src 'self';") != std::string::npos);
    CHECK(head.find("\r\nX-Content-Type-Options: nosniff") != std::string::npos);
    CHECK(head.find("\r\nX-Frame-Options: DENY") != std::string::npos);
    CHECK(head.find("\r\nReferrer-Policy: no-referrer") != std::string::npos);
    CHECK(head.find("\r\nCache-Control: no-store") != std::string::npos);
    server.stop();
}

#include "test_support.hpp"

#include "sys/log.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fabgate::test {

TempDir::TempDir() {
    char templ[] = "/tmp/fabgate-test-XXXXXX";
    if (!mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
    chmod(path_.c_str(), 0777);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

int free_tcp_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

bool port_accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path)
    : log_path_(std::move(log_path)) {
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
        }
        int null = open("/dev/null", O_RDONLY);
        dup2(null, STDIN_FILENO);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        // A child must not inherit the test's blocked signals (signalfd loops block them).
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && running()) {
        signal(SIGKILL);
        wait(std::chrono::seconds(5));
    }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      log_path_(std::move(other.log_path_)),
      status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && running()) {
            signal(SIGKILL);
            wait(std::chrono::seconds(5));
        }
        pid_ = std::exchange(other.pid_, -1);
        log_path_ = std::move(other.log_path_);
        status_ = other.status_;
    }
    return *this;
}

bool ChildProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    if (r == pid_) status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
}

void ChildProcess::signal(int signo) {
    if (pid_ > 0) kill(pid_, signo);
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
}

std::string ChildProcess::log() const {
    std::ifstream in(log_path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool started(ChildProcess& process, const std::function<bool()>& ready,
             std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline || !process.running()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

std::int64_t query_int(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::int64_t value = -1;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            value = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return value;
}

TestBroker::TestBroker(std::string extra_config)
    : port_(free_tcp_port()), extra_(std::move(extra_config)) {
    start();
}

TestBroker::~TestBroker() {
    stop();
}

void TestBroker::start() {
    std::string conf = dir_.file("mosquitto.conf");
    std::ofstream out(conf);
    out << "listener " << port_ << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "max_queued_messages 0\n"  // no cap: a QoS 1 burst must not lose sessions
        << "set_tcp_nodelay true\n"
        << "persistence true\n"
        << "persistence_location " << dir_.path() << "/\n"
        << "log_dest stderr\n"  // unbuffered: log() shows what the broker said so far
        << extra_ << "\n";
    out.close();
    process_ = ChildProcess({"/usr/sbin/mosquitto", "-c", conf}, dir_.file("mosquitto.log"));
    if (!started(process_, [this] { return port_accepts(port_); }))
        throw std::runtime_error("mosquitto did not start:\n" + process_.log());
}

void TestBroker::stop() {
    if (!process_.running()) return;
    process_.signal(SIGTERM);
    process_.wait(std::chrono::seconds(10));
}

bool wait_until(EventLoop& loop, const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        loop.run_once(static_cast<int>(std::min<long>(left.count(), 20)));
    }
    return true;
}

namespace {

MqttOptions plain_options(int port, std::string client_id, bool clean_session) {
    log::set_threshold(log::Level::Warning);  // the test's own client need not narrate
    MqttOptions options;
    options.broker.port = port;
    options.broker.client_id = std::move(client_id);
    options.broker.keepalive_s = 30;
    options.clean_session = clean_session;
    options.min_backoff = std::chrono::milliseconds(100);
    options.max_backoff = std::chrono::milliseconds(500);
    return options;
}

}  // namespace

TestClient::TestClient(int port, std::string client_id, bool clean_session)
    : TestClient(plain_options(port, std::move(client_id), clean_session)) {}

TestClient::TestClient(const MqttOptions& options)
    : link_(std::make_unique<MqttLink>(loop_, options)) {
    link_->on_message([this](std::string_view t, std::string_view p, bool r) {
        heard.push_back({std::string(t), std::string(p), r});
    });
    link_->on_published([this](int) { --unacked_; });
    link_->on_disconnected([this] { ++disconnects; });
    if (auto s = link_->start(); !s) throw std::runtime_error(s.error().message());
}

bool TestClient::connect(std::chrono::milliseconds timeout) {
    return wait([this] { return link_->connected(); }, timeout);
}

bool TestClient::publish(const std::string& topic, const std::string& payload, bool retain) {
    if (!link_->publish(topic, payload, 1, retain)) return false;
    ++unacked_;
    return wait([this] { return unacked_ <= 0; }, std::chrono::seconds(5));
}

bool TestClient::wait(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    return wait_until(loop_, done, timeout);
}

void TestClient::pump(std::chrono::milliseconds time) {
    wait_until(
        loop_, [] { return false; }, time);
}

std::vector<Heard> TestClient::on(const std::string& topic) const {
    std::vector<Heard> out;
    for (const auto& h : heard)
        if (h.topic == topic) out.push_back(h);
    return out;
}

bool TestClient::heard_payload(const std::string& topic, const std::string& payload) const {
    for (const auto& h : heard)
        if (h.topic == topic && h.payload == payload) return true;
    return false;
}

}  // namespace fabgate::test

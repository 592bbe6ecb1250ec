#pragma once
// What the ledger's integration tests and benchmark need: a private Mosquitto on a free
// loopback port, the real fabledger binary as a child process, and MQTT clients driven by
// their own event loop. Waiting is always "until a condition, with a deadline".
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"
#include "test_support.hpp"

namespace fabgate::ledger_test {

using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

inline std::int64_t elapsed_ms(SteadyClock::time_point since) {
    return std::chrono::duration_cast<Ms>(SteadyClock::now() - since).count();
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/fabledger-it-XXXXXX";
        path = mkdtemp(tmpl);
        // Mosquitto started as root drops to its own user: let it write its files here.
        chmod(path.c_str(), 0777);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Ports come from the shared test support, like the gate's integration tests'.
using test::free_tcp_port;
using test::port_accepts;

// A child process with stdout and stderr in a log file; killed (SIGKILL) if still running
// when destroyed.
class Child {
  public:
    Child() = default;
    Child(const std::vector<std::string>& argv, const std::string& log_path) {
        pid_ = fork();
        if (pid_ == 0) {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0666);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
    Child& operator=(Child&& o) noexcept {
        std::swap(pid_, o.pid_);
        return *this;
    }

    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
    void send(int signo) const {
        if (pid_ > 0) kill(pid_, signo);
    }
    // Exit status (or 128 + signal); -1 if it did not end before the deadline.
    int wait_exit(Ms deadline) {
        auto start = SteadyClock::now();
        while (pid_ > 0) {
            int status = 0;
            pid_t r = waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            if (elapsed_ms(start) > deadline.count()) return -1;
            usleep(5000);
        }
        return -1;
    }
    // VmHWM (peak resident set) in kB, from /proc; 0 if unknown.
    long peak_rss_kb() const {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
        return 0;
    }

  private:
    pid_t pid_ = -1;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A private broker that loses nothing: unlimited queue for offline persistent sessions.
class Broker {
  public:
    // `log_packets`: packets_log() names every packet, each line as it happens (a file
    // destination is flushed by line, stdout is not), so a test can count what a client took.
    explicit Broker(const TempDir& dir, bool log_packets = false)
        : port_(free_tcp_port()),
          log_(dir.file("mosquitto.log")),
          packets_log_(dir.file("mosquitto-packets.log")) {
        auto conf = dir.file("mosquitto.conf");
        std::ofstream(conf) << "listener " << port_ << " 127.0.0.1\n"
                            << "allow_anonymous true\n"
                            << "persistence false\n"
                            << "max_queued_messages 0\n"
                            << "max_inflight_messages 100\n"
                            << "set_tcp_nodelay true\n"
                            << "log_dest stdout\n"
                            << "log_type error\nlog_type warning\nlog_type notice\n"
                            << (log_packets ? "log_type debug\nlog_dest file " + packets_log_ + "\n"
                                            : "");
        process_ = Child({"/usr/sbin/mosquitto", "-c", conf}, log_);
        auto start = SteadyClock::now();
        while (!port_accepts(port_) && elapsed_ms(start) < 5000) usleep(10000);
    }
    int port() const { return port_; }
    bool up() const { return port_accepts(port_); }
    const std::string& log_path() const { return log_; }
    const std::string& packets_log() const { return packets_log_; }

  private:
    int port_;
    std::string log_;
    std::string packets_log_;
    Child process_;
};

// An MQTT client on its own event loop, recording what arrives.
class Client {
  public:
    Client(int port, std::string client_id, bool clean_session = true) {
        MqttOptions o;
        o.broker.port = port;
        o.broker.client_id = std::move(client_id);
        o.clean_session = clean_session;
        o.min_backoff = Ms(100);
        o.max_backoff = Ms(500);
        link_ = std::make_unique<MqttLink>(loop_, o);
        link_->on_message([this](std::string_view topic, std::string_view payload, bool retained) {
            if (handler_) handler_(topic, payload, retained);
        });
        (void)link_->start();
    }
    ~Client() { link_->stop(); }

    MqttLink& link() { return *link_; }
    EventLoop& loop() { return loop_; }
    void on_message(std::function<void(std::string_view, std::string_view, bool)> h) {
        handler_ = std::move(h);
    }

    // Runs the loop until `done` or the deadline; true if `done` became true.
    bool run_until(const std::function<bool()>& done, Ms deadline) {
        auto start = SteadyClock::now();
        while (!done()) {
            if (elapsed_ms(start) > deadline.count()) return false;
            loop_.run_once(5);
        }
        return true;
    }
    void run_for(Ms duration) {
        auto start = SteadyClock::now();
        while (elapsed_ms(start) < duration.count()) loop_.run_once(5);
    }

  private:
    EventLoop loop_;
    std::unique_ptr<MqttLink> link_;
    std::function<void(std::string_view, std::string_view, bool)> handler_;
};

// Time-ordered session ids in the UUIDv7 layout, unique within a run.
inline std::string session_id(std::uint64_t run, std::uint64_t n) {
    char buf[64];
    std::snprintf(
        buf, sizeof buf, "%08llx-%04llx-7%03llx-8%03llx-%012llx",
        static_cast<unsigned long long>(run >> 16), static_cast<unsigned long long>(run & 0xFFFF),
        static_cast<unsigned long long>((n >> 24) & 0xFFF),
        static_cast<unsigned long long>((n >> 12) & 0xFFF), static_cast<unsigned long long>(n));
    return buf;
}

inline SessionRecord make_session(std::string id, std::string site, std::string machine,
                                  UnixMs start, std::int64_t minutes) {
    SessionRecord s;
    s.id = std::move(id);
    s.site = std::move(site);
    s.machine = std::move(machine);
    s.uid = "04A1B2C3";
    s.member = "m-1";
    s.started_at = start;
    s.ended_at = start + minutes * 60'000;
    s.clock_synced = true;
    s.powered_ms = minutes * 60'000;
    s.active_ms = minutes * 30'000;
    return s;
}

inline std::string ledger_config(const std::string& database, int port,
                                 const std::string& client_id = "fabledger") {
    return "{\"database\": \"" + database +
           "\", \"broker\": {\"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) +
           ", \"client_id\": \"" + client_id +
           "\"}, \"log_level\": \"info\", \"busy_timeout_ms\": 200}";
}

}  // namespace fabgate::ledger_test

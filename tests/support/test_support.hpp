#pragma once
// What integration tests need: a private Mosquitto on a free loopback port, child processes
// (the real daemons), and an MQTT client that records what it hears. Waiting is always for a
// condition with a deadline, never a fixed sleep.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"

namespace fabgate::test {

// A fresh directory under /tmp, removed with its contents on destruction. World-writable, so a
// broker that dropped to the mosquitto user can write into it.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

int free_tcp_port();
bool port_accepts(int port);

class ChildProcess {
  public:
    ChildProcess() = default;
    ChildProcess(std::vector<std::string> argv, std::string log_path);
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;

    bool running();
    void signal(int signo);
    // Waits for exit; returns the exit status (128+signal if killed), or -1 on timeout.
    int wait(std::chrono::milliseconds timeout);
    pid_t pid() const { return pid_; }
    std::string log() const;

  private:
    pid_t pid_ = -1;
    std::string log_path_;
    int status_ = -1;
};

// Waits for `ready()` while `process` runs; false if it exited first or `timeout` passed. How a
// test knows a program it started is up (listening, or answering on its control socket).
bool started(ChildProcess& process, const std::function<bool()>& ready,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One integer from a query on an SQLite file (a daemon's database or journal), read-only; -1 if
// it cannot be read.
std::int64_t query_int(const std::string& db_path, const std::string& sql);

class TestBroker {
  public:
    // extra_config lines are appended to the generated mosquitto.conf.
    explicit TestBroker(std::string extra_config = {});
    ~TestBroker();
    int port() const { return port_; }
    void stop();
    void start();
    bool running() { return process_.running(); }
    std::string log() const { return process_.log(); }

  private:
    TempDir dir_;
    int port_;
    std::string extra_;
    ChildProcess process_;
};

// Waits for `done()` while running `loop` (and so any MqttLink on it).
bool wait_until(EventLoop& loop, const std::function<bool()>& done,
                std::chrono::milliseconds timeout);

struct Heard {
    std::string topic;
    std::string payload;
    bool retained;
};

class TestClient {
  public:
    // A plain client of the test broker on `port`.
    TestClient(int port, std::string client_id, bool clean_session = true);
    // A client with options of its own (a login, TLS, a resolver); throws if it cannot start.
    explicit TestClient(const MqttOptions& options);
    bool connected() const { return link_->connected(); }
    void subscribe(const std::string& pattern) { link_->subscribe(pattern, 1); }
    bool connect(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // QoS 1; true once the broker sent PUBACK (which it sends for a denied publish too: MQTT
    // 3.1.1 has no way to refuse one, the broker just drops it).
    bool publish(const std::string& topic, const std::string& payload, bool retain = false);
    // Pumps until `done` or the deadline.
    bool wait(const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void pump(std::chrono::milliseconds time);
    std::vector<Heard> on(const std::string& topic) const;
    bool heard_payload(const std::string& topic, const std::string& payload) const;
    std::vector<Heard> heard;
    int disconnects = 0;  // connections lost after being established
    EventLoop& loop() { return loop_; }

  private:
    EventLoop loop_;
    std::unique_ptr<MqttLink> link_;
    int unacked_ = 0;
};

}  // namespace fabgate::test

#pragma once
// A broker configured like production (TLS only, passwords, ACL; see make-broker-dir) on a
// free loopback port, and MQTT clients that log in to it as the ledger, a manager or a gate.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/mqtt_link.hpp"
#include "test_support.hpp"

namespace fabgate::test {

class SecureBroker {
  public:
    SecureBroker();
    ~SecureBroker();
    int port() const { return port_; }
    std::string file(const std::string& name) const { return dir_.file(name); }
    std::string log() const { return process_.log(); }
    // The password enrol-gate generated for lab/<machine>.
    std::string gate_password(const std::string& machine) const;
    // Stops the broker (it saves its persistence file) and starts it again on the same port.
    void restart();

  private:
    void launch();
    TempDir dir_;
    int port_;
    ChildProcess process_;
};

struct Login {
    std::string username;
    std::string password;
    std::string ca_file;  // empty: plain TCP
    std::string cert_file;
    std::string key_file;
};

// An MQTT client on its own loop that records what it hears.
class SecureClient {
  public:
    // `host` is the broker's name as a config would give it; `resolver` says where it is.
    SecureClient(int port, const Login& login, std::string client_id,
                 std::string host = "127.0.0.1",
                 BlockingResolver resolver = resolve_with_getaddrinfo);
    bool connect(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    bool connected() const { return link_->connected(); }
    void subscribe(const std::string& pattern) { link_->subscribe(pattern, 1); }
    // QoS 1; true once the broker sent PUBACK (which it sends for a denied publish too: MQTT
    // 3.1.1 has no way to refuse one, the broker just drops it).
    bool publish(const std::string& topic, const std::string& payload, bool retain = false);
    bool wait(const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<Heard> on(const std::string& topic) const;
    bool heard_payload(const std::string& topic, const std::string& payload) const;
    std::vector<Heard> heard;
    int disconnects = 0;  // connections lost after being established

  private:
    EventLoop loop_;
    std::unique_ptr<MqttLink> link_;
    int unacked_ = 0;
};

// Runs a command through the shell; returns its exit status and what it printed (both streams).
struct Shell {
    int status;
    std::string output;
};
Shell run_shell(const std::string& command);
std::string quote(const std::string& s);

}  // namespace fabgate::test

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
    // The broker down (a gate cut off from the ledger), and back on the same port.
    void stop();
    void start() { launch(); }

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

// A client that logs in to the broker as `login`. `host` is the broker's name as a config would
// give it; `resolver` says where it is.
class SecureClient : public TestClient {
  public:
    SecureClient(int port, const Login& login, std::string client_id,
                 std::string host = "127.0.0.1",
                 BlockingResolver resolver = resolve_with_getaddrinfo);
    bool connect(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return TestClient::connect(timeout);
    }
};

// Runs a command through the shell; returns its exit status and what it printed (both streams).
struct Shell {
    int status;
    std::string output;
};
Shell run_shell(const std::string& command);
std::string quote(const std::string& s);

}  // namespace fabgate::test

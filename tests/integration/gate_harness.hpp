#pragma once
// A real fabgate process on simulated hardware, a private broker, and a stand-in for the
// ledger that hears everything the gate publishes and can acknowledge sessions.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "control_socket.hpp"
#include "core/messages.hpp"
#include "test_support.hpp"

namespace fabgate::test {

inline const std::string kSite = "lab";
inline const std::string kMachine = "laser-1";
inline std::string machine_topic(const std::string& leaf) {
    return "fabgate/lab/machines/laser-1/" + leaf;
}

class GateUnderTest {
  public:
    GateUnderTest(TempDir& dir, int broker_port, nlohmann::json policy = nlohmann::json::object());
    void start();
    void kill(int signo);
    int wait_exit();
    // Sends a control command; returns the reply ("relay=on after_run=off signal=in_use").
    std::string send(const std::string& line);
    bool relay_on() { return send("status").find("relay=on") != std::string::npos; }
    std::int64_t outbox() { return query_int(journal_, "SELECT count(*) FROM outbox"); }
    std::int64_t open_sessions() {
        return query_int(journal_, "SELECT count(*) FROM open_session");
    }
    std::string log() const { return process_.log(); }
    bool running() { return process_.running(); }

  private:
    TempDir& dir_;
    std::string config_path_;
    std::string socket_;
    std::string journal_;
    ChildProcess process_;
};

class FakeLedger {
  public:
    explicit FakeLedger(int port, bool auto_ack = true);
    TestClient client;
    bool auto_ack;
    // Every distinct session id heard, in order of first arrival.
    std::vector<SessionRecord> sessions;
    bool wait(const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::seconds(15));
    void publish_acl(std::int64_t version,
                     const std::vector<std::pair<std::string, std::string>>& uid_members);
    std::optional<MachineStatus> last_state();
    void ack(const std::vector<std::string>& ids);

  private:
    void absorb();
    std::size_t seen_ = 0;
    std::set<std::string> ids_;
};

}  // namespace fabgate::test

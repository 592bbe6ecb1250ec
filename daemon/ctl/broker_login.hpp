#pragma once
// Which broker login fabctl uses for machine commands: the manager's own, never the ledger's.
// The ledger's login would take over its client id (use_username_as_clientid: the broker closes
// the ledger's connection and, with a clean session, wipes what was queued for it), and the
// broker's ACL does not let the ledger write commands anyway.
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "core/broker_config.hpp"
#include "core/result.hpp"

namespace fabgate::ctl {

inline constexpr const char* kManagerLoginDir = "/etc/fabledger/fabctl";

struct LoginSources {
    std::string explicit_file;  // --broker-config; empty: none given
    std::string person;         // who runs fabctl: picks kManagerLoginDir/<person>.json
    // The ledger's config, when one was read: its broker is where to connect, its login is
    // the one to refuse.
    std::optional<BrokerConfig> ledger_broker;
};

// The broker config file fabctl reads for `person` when no --broker-config is given.
std::string default_login_file(const std::string& person);

// Reads `{"broker": {...}}` (the same section as the ledger's and gates' configs).
Result<BrokerConfig> load_login_file(const std::string& path);

// The login to use, or why there is none. Without any login file and without a ledger config
// login (the demo's anonymous broker), the ledger config's broker (or 127.0.0.1:1883) is used
// anonymously.
Result<BrokerConfig> manager_login(const LoginSources& sources);

// The login file manager_login() reads; empty when it reads none.
std::string login_file(const LoginSources& sources);

// One connection per login at a time. The broker names a connection by its user name
// (use_username_as_clientid), so a second fabctl run with the same login would close the
// first's connection, and with it the first's command or its confirmation. A run holds its
// login file locked (flock) while it talks to the broker; another waits for its turn.
class LoginTurn {
  public:
    LoginTurn() = default;
    explicit LoginTurn(int fd) : fd_(fd) {}
    ~LoginTurn();
    LoginTurn(LoginTurn&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    LoginTurn& operator=(LoginTurn&&) = delete;
    LoginTurn(const LoginTurn&) = delete;
    LoginTurn& operator=(const LoginTurn&) = delete;

  private:
    int fd_ = -1;
};

// Waits up to `wait` for the turn of the login in `file` (none for an empty file, nor where the
// file system cannot lock it).
Result<LoginTurn> take_login_turn(const std::string& file, std::chrono::milliseconds wait);

}  // namespace fabgate::ctl

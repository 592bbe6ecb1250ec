#pragma once
// What the tests against the production broker share: each login as enrol-gate and deploy.md
// make it, access lists signed with the enrolled key, a real fabgate logged in as laser-1, and a
// real fabledger with its database made by fabctl.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/messages.hpp"
#include "secure_broker.hpp"

namespace fabgate::test {

std::string topic(const std::string& machine, const std::string& leaf);

Login ledger_login(const SecureBroker& b);
// Made by enrol-gate --manager maria, as docs/deploy.md does it.
Login manager_login(const SecureBroker& b);
Login gate_login(const SecureBroker& b, const std::string& machine);

std::string session_payload(const std::string& machine, const std::string& id);
AccessList access_list(const std::string& machine, std::int64_t version,
                       const std::vector<std::string>& uids);

// Subscriptions take effect some time after subscribe(): publishes a marker until the receiver
// hears it, so what is published afterwards is sure to find the subscription in place.
bool in_sync(SecureClient& sender, SecureClient& receiver, const std::string& on_topic);

// The ledger's login and `machine`'s gate login, connected and subscribed to every topic, each
// subscription in place: what the broker lets one of them publish, the other is sure to hear.
struct LedgerAndGate {
    LedgerAndGate(SecureBroker& broker, const std::string& machine);
    SecureClient ledger;
    SecureClient gate;
};

// The first whitespace-separated word of a file (a key in hex, a password).
std::string first_word(const std::string& path);
std::string ledger_secret_key(const SecureBroker& broker);
// The payload the ledger would publish for `list`, signed with the secret key in hex.
std::string signed_by(const AccessList& list, const std::string& secret_key_hex);
// An ack for `ids` to laser-1's gate, signed with the secret key in hex.
std::string signed_ack(const std::vector<std::string>& ids, const std::string& secret_key_hex);

// $ENV names another build of the program (an installed package's), else the one built here.
std::string binary(const char* env, const char* built);

// Waits for `done` up to `timeout`, checking every 10 ms.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

// A fabgate process logged in as gate-lab-laser-1 with the config enrol-gate wrote, on
// simulated hardware, checking signatures with the ledger's public key.
class SignedGate {
  public:
    using ConfigEdit = std::function<void(nlohmann::json&)>;
    // `without_key`: as enrolled without --acl-key (the gate has no ledger key).
    explicit SignedGate(SecureBroker& broker, bool without_key = false);
    SignedGate(SecureBroker& broker, const ConfigEdit& edit);
    ~SignedGate();
    std::string send(const std::string& line);
    bool admits(const std::string& uid);
    // The gate dies without a word (a power cut, a kernel panic): SIGKILL.
    void crash();
    // Rewrites the config through `edit` and reloads it (SIGHUP, as systemctl reload does).
    void reload(const ConfigEdit& edit);
    // Waits for a line in the gate's log (how a refused list shows: it changes nothing else).
    bool logged(const std::string& text) { return logged_times(text, 1); }
    // Waits until `text` has been logged `times` times.
    bool logged_times(const std::string& text, int times);
    std::string log() const { return process_.log(); }
    // Peak resident memory of the gate process so far, in kB (VmHWM).
    long peak_kb() const;
    // Sessions waiting in the gate's journal for the ledger's ack.
    std::int64_t outbox_rows() const;

  private:
    std::string dir_, config_path_, socket_;
    nlohmann::json config_;
    ChildProcess process_;
};

// The ledger's database made with fabctl (alice, m-1, badge 04A1B2C3, may use lab/laser-1),
// and (when started) a fabledger process logged in as `fabledger`, signing lists with the key
// enrol-gate made.
class Ledger {
  public:
    using ConfigEdit = std::function<void(nlohmann::json&)>;
    // `edit` changes the ledger's config before it is written (a test of a default takes the
    // fixture's setting out).
    explicit Ledger(SecureBroker& broker, const ConfigEdit& edit = {});
    ~Ledger();
    void start();
    // SIGTERM; true if it exited cleanly.
    bool stop();
    Shell fabctl(const std::string& args);
    // fabctl on this ledger's database: "--db DB " + args.
    Shell db_fabctl(const std::string& args);
    // As maria, with her own login and the ledger's config.
    Shell manager(const std::string& args, const std::string& login = "maria");
    std::string log() const { return process_.log(); }
    std::string db() const { return db_; }

  private:
    SecureBroker& broker_;
    std::string db_, config_;
    ChildProcess process_;
};

// fabledger running on the Ledger fixture's database, and laser-1's gate holding its first list.
struct RunningLab {
    explicit RunningLab(SecureBroker& broker);
    Ledger ledger;
    std::unique_ptr<SignedGate> gate;  // a test restarts the gate by making it anew
};

void wipe_journal(SecureBroker& broker);

}  // namespace fabgate::test

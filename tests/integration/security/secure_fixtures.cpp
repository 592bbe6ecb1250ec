#include "secure_fixtures.hpp"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <doctest/doctest.h>

#include "control_socket.hpp"
#include "core/ack_wire.hpp"
#include "core/acl_wire.hpp"
#include "core/signed_envelope.hpp"
#include "sys/acl_signature.hpp"

namespace fabgate::test {

using namespace std::chrono_literals;

std::string topic(const std::string& machine, const std::string& leaf) {
    return "fabgate/lab/machines/" + machine + "/" + leaf;
}

Login ledger_login(const SecureBroker& b) {
    return {"fabledger", "ledger-secret", b.file("ca.crt"), "", ""};
}

Login manager_login(const SecureBroker& b) {
    return {"manager-maria", first_word(b.file("fabctl/maria.pass")), b.file("ca.crt"), "", ""};
}

Login gate_login(const SecureBroker& b, const std::string& machine) {
    auto dir = b.file("gate-" + machine);
    return {"gate-lab-" + machine, b.gate_password(machine), b.file("ca.crt"), dir + "/gate.crt",
            dir + "/gate.key"};
}

std::string session_payload(const std::string& machine, const std::string& id) {
    SessionRecord s;
    s.id = id;
    s.site = "lab";
    s.machine = machine;
    s.uid = "04A1B2C3";
    s.member = "m-17";
    s.started_at = 1'767'225'600'000;
    s.ended_at = 1'767'229'200'000;
    s.powered_ms = 3'600'000;
    return encode(s);
}

AccessList access_list(const std::string& machine, std::int64_t version,
                       const std::vector<std::string>& uids) {
    AccessList list;
    list.site = "lab";
    list.machine = machine;
    list.version = version;
    list.generated_at = 1'767'225'600'000;
    for (const auto& uid : uids) {
        AccessEntry e;
        e.member = "m-" + uid;
        e.name = "member " + uid;
        e.role = Role::User;
        list.entries[Uid::parse(uid).value()] = e;
    }
    return list;
}

bool in_sync(SecureClient& sender, SecureClient& receiver, const std::string& on_topic) {
    for (int n = 0; n < 100; ++n) {
        std::string marker = "sync-" + std::to_string(n);
        if (!sender.publish(on_topic, marker)) return false;
        if (receiver.wait([&] { return receiver.heard_payload(on_topic, marker); }, 100ms))
            return true;
    }
    return false;
}

LedgerAndGate::LedgerAndGate(SecureBroker& broker, const std::string& machine)
    : ledger(broker.port(), ledger_login(broker), "fabledger"),
      gate(broker.port(), gate_login(broker, machine), "gate-lab-" + machine) {
    REQUIRE(ledger.connect());
    REQUIRE(gate.connect());
    ledger.subscribe("fabgate/#");
    gate.subscribe("fabgate/#");
    REQUIRE(in_sync(gate, ledger, topic(machine, "state")));
    REQUIRE(in_sync(ledger, gate, topic(machine, "acks")));
}

std::string first_word(const std::string& path) {
    std::ifstream in(path);
    std::string word;
    in >> word;
    return word;
}

std::string ledger_secret_key(const SecureBroker& broker) {
    return first_word(broker.file("keys/acl-signing.key"));
}

std::string signed_by(const AccessList& list, const std::string& secret_key_hex) {
    auto signature = acl_signature::sign_hex(list, secret_key_hex).value();
    return encode(list, signature.hex, signature.key_id);
}

std::string signed_ack(const std::vector<std::string>& ids, const std::string& secret_key_hex) {
    auto body = encode_ack_body(SignedAck{"lab", "laser-1", 1'767'225'600'000, ids});
    auto secret = acl_signature::from_hex(secret_key_hex, "key").value();
    auto signature = acl_signature::sign_bytes(
        body, std::span<const std::uint8_t, acl_signature::kSecretKeyBytes>(secret.data(),
                                                                            secret.size()));
    return join_signed(body, kAckEnvelopeType, signature.key_id, signature.hex);
}

std::string binary(const char* env, const char* built) {
    const char* other = std::getenv(env);
    return other && *other ? other : built;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// ---- SignedGate ----

SignedGate::SignedGate(SecureBroker& broker, bool without_key)
    : SignedGate(broker, [without_key](nlohmann::json& config) {
          if (without_key) config.erase("acl_public_key");
      }) {}

SignedGate::SignedGate(SecureBroker& broker, const ConfigEdit& edit)
    : dir_(broker.file("gate-laser-1")) {
    std::ifstream in(dir_ + "/gate.json");
    config_ = nlohmann::json::parse(in);
    REQUIRE_FALSE(config_.value("acl_public_key", "").empty());
    config_["control_socket"] = socket_ = dir_ + "/gate.sock";
    config_["journal"] = dir_ + "/journal.db";
    config_["broker"]["keepalive_s"] = 5;
    edit(config_);
    config_path_ = dir_ + "/test-gate.json";
    std::ofstream(config_path_) << config_.dump(2);
    std::remove((dir_ + "/gate.log").c_str());  // logged() reads this process's lines only
    process_ = ChildProcess({binary("FABGATE_BIN", FABGATE_BIN), "--config", config_path_},
                            dir_ + "/gate.log");
    if (!started(process_, [this] { return send("status").starts_with("relay="); }))
        FAIL("fabgate did not start:\n" << process_.log());
}

SignedGate::~SignedGate() {
    process_.signal(SIGTERM);
    process_.wait(10s);
}

void SignedGate::crash() {
    process_.signal(SIGKILL);
    process_.wait(10s);
}

std::string SignedGate::send(const std::string& line) {
    auto reply = send_control_command(socket_, line);
    return reply ? *reply : "error: " + reply.error().message();
}

bool SignedGate::admits(const std::string& uid) {
    bool on = send("badge " + uid).find("relay=on") != std::string::npos;
    if (on) send("badge " + uid);  // end the session again
    return on;
}

void SignedGate::reload(const ConfigEdit& edit) {
    auto count = [&] {
        int n = 0;
        auto log = process_.log();
        for (auto at = log.find("reloaded "); at != std::string::npos;
             at = log.find("reloaded ", at + 1))
            ++n;
        return n;
    };
    const int before = count();
    edit(config_);
    std::ofstream(config_path_) << config_.dump(2);
    process_.signal(SIGHUP);
    REQUIRE_MESSAGE(logged_times("reloaded ", before + 1), process_.log());
}

bool SignedGate::logged_times(const std::string& text, int times) {
    auto count = [&] {
        int n = 0;
        auto log = process_.log();
        for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
        return n;
    };
    return eventually([&] { return count() >= times; });
}

long SignedGate::peak_kb() const {
    std::ifstream in("/proc/" + std::to_string(process_.pid()) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

std::int64_t SignedGate::outbox_rows() const {
    return query_int(dir_ + "/journal.db", "SELECT count(*) FROM outbox");
}

// ---- Ledger ----

Ledger::Ledger(SecureBroker& broker, const ConfigEdit& edit) : broker_(broker) {
    db_ = broker.file("ledger.db");
    config_ = broker.file("ledger.json");
    nlohmann::json config{{"database", db_},
                          {"broker",
                           {{"host", "127.0.0.1"},
                            {"port", broker.port()},
                            {"username", "fabledger"},
                            {"password", "ledger-secret"},
                            {"keepalive_s", 5},
                            {"tls", {{"ca_file", broker.file("ca.crt")}}}}},
                          {"acl_poll_ms", 100},
                          {"acl_signing_key_file", broker.file("keys/acl-signing.key")}};
    if (edit) edit(config);
    std::ofstream(config_) << config.dump(2);
    for (const char* step :
         {"init", "machines add lab/laser-1 --name Laser", "members add m-1 --name Alice",
          "badges assign 04A1B2C3 m-1", "rights grant m-1 laser-1"}) {
        auto r = db_fabctl(step);
        REQUIRE_MESSAGE(r.status == 0, r.output);
    }
}

Ledger::~Ledger() {
    if (process_.running()) stop();
}

void Ledger::start() {
    process_ = ChildProcess({binary("FABLEDGER_BIN", FABLEDGER_BIN), "--config", config_},
                            broker_.file("ledger.log"));
}

bool Ledger::stop() {
    process_.signal(SIGTERM);
    return process_.wait(10s) == 0;
}

Shell Ledger::fabctl(const std::string& args) {
    return run_shell("timeout 30 " + binary("FABCTL_BIN", FABCTL_BIN) + " --actor maria " + args);
}

Shell Ledger::db_fabctl(const std::string& args) {
    return fabctl("--db " + quote(db_) + " " + args);
}

Shell Ledger::manager(const std::string& args, const std::string& login) {
    return fabctl("--config " + quote(config_) + " --broker-config " +
                  quote(broker_.file("fabctl/" + login + ".json")) + " " + args);
}

RunningLab::RunningLab(SecureBroker& broker) : ledger(broker) {
    ledger.start();
    gate = std::make_unique<SignedGate>(broker);
    REQUIRE_MESSAGE(gate->logged("access list version 1 in force"), gate->log() << ledger.log());
}

void wipe_journal(SecureBroker& broker) {
    for (const char* suffix : {"", "-wal", "-shm"})
        std::remove((broker.file("gate-laser-1/journal.db") + suffix).c_str());
}

}  // namespace fabgate::test

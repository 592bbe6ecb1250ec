#include "gate_harness.hpp"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include <doctest/doctest.h>

#include "core/ack_wire.hpp"
#include "core/signed_envelope.hpp"
#include "sys/acl_signature.hpp"

namespace fabgate::test {

// The stand-in ledger's signing key: the gate under test trusts only lists it signed, as a
// gate in production does.
static const acl_signature::KeyPair& ledger_keys() {
    static const auto keys = acl_signature::generate_keypair().value();
    return keys;
}

GateUnderTest::GateUnderTest(TempDir& dir, int broker_port, nlohmann::json policy)
    : dir_(dir),
      config_path_(dir.file("gate.json")),
      socket_(dir.file("gate.sock")),
      journal_(dir.file("journal.db")) {
    nlohmann::json config = {
        {"site", kSite},
        {"machine", kMachine},
        {"broker", {{"host", "127.0.0.1"}, {"port", broker_port}, {"keepalive_s", 5}}},
        {"journal", journal_},
        {"control_socket", socket_},
        {"acl_public_key", acl_signature::to_hex(ledger_keys().public_key)},
        {"hardware",
         {{"kind", "sim"},
          {"reader", {{"type", "sim"}}},
          {"inputs",
           {{"busy", {{"line", 0}}},
            {"interlocks", nlohmann::json::array({{{"name", "lid"}, {"line", 1}}})}}}}},
        {"policy", policy}};
    std::ofstream(config_path_) << config.dump(2);
}

void GateUnderTest::start() {
    unlink(socket_.c_str());
    process_ = ChildProcess({FABGATE_BIN, "--config", config_path_}, dir_.file("gate.log"));
    auto listening = [this] {
        struct stat st {};
        return stat(socket_.c_str(), &st) == 0;
    };
    if (!started(process_, listening))
        throw std::runtime_error("fabgate did not start:\n" + process_.log());
}

void GateUnderTest::kill(int signo) {
    process_.signal(signo);
}
int GateUnderTest::wait_exit() {
    return process_.wait(std::chrono::seconds(10));
}

std::string GateUnderTest::send(const std::string& line) {
    auto reply = send_control_command(socket_, line);
    return reply ? *reply : "error: " + reply.error().message();
}

FakeLedger::FakeLedger(int port, bool ack) : client(port, "fake-ledger"), auto_ack(ack) {
    client.subscribe("fabgate/#");
    REQUIRE(client.connect());
}

void FakeLedger::absorb() {
    std::vector<std::string> fresh;
    for (; seen_ < client.heard.size(); ++seen_) {
        const auto& h = client.heard[seen_];
        if (h.topic != machine_topic("sessions")) continue;
        auto s = decode_session(h.payload);
        REQUIRE_MESSAGE(s, "the gate published an invalid session: " << h.payload);
        if (ids_.insert(s->id).second) sessions.push_back(*s);
        fresh.push_back(s->id);
    }
    if (auto_ack && !fresh.empty()) ack(fresh);
}

void FakeLedger::ack(const std::vector<std::string>& ids) {
    auto body = encode_ack_body(SignedAck{kSite, kMachine, 1'767'225'600'000, ids});
    auto signature = acl_signature::sign_bytes(body, ledger_keys().secret_key);
    client.publish(machine_topic("acks"),
                   join_signed(body, kAckEnvelopeType, signature.key_id, signature.hex));
}

bool FakeLedger::wait(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    return client.wait(
        [&] {
            absorb();
            return done();
        },
        timeout);
}

void FakeLedger::publish_acl(std::int64_t version,
                             const std::vector<std::pair<std::string, std::string>>& uid_members) {
    AccessList list;
    list.site = kSite;
    list.machine = kMachine;
    list.version = version;
    list.generated_at = 1'767'225'600'000;
    for (const auto& [uid, member] : uid_members) {
        AccessEntry e;
        e.member = member;
        e.name = member;
        e.role = Role::User;
        list.entries[Uid::parse(uid).value()] = e;
    }
    REQUIRE(client.publish(machine_topic("acl"),
                           acl_signature::signed_payload(list, ledger_keys().secret_key),
                           /*retain=*/true));
}

std::optional<MachineStatus> FakeLedger::last_state() {
    auto states = client.on(machine_topic("state"));
    if (states.empty()) return std::nullopt;
    auto st = decode_status(states.back().payload);
    if (!st) return std::nullopt;
    return *st;
}

}  // namespace fabgate::test

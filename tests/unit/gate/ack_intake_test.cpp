// What a gate takes as the ledger's ack (gate/ack_intake): only a body signed by a trusted key,
// for this gate; anything else deletes nothing from the outbox.
#include "gate/ack_intake.hpp"

#include <doctest/doctest.h>

#include "core/messages.hpp"
#include "core/signed_envelope.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
namespace sig = fabgate::acl_signature;

namespace {

GateConfig gate_config(const sig::KeyPair* ledger) {
    GateConfig config;
    config.site = "lab";
    config.machine = "laser-1";
    if (ledger) config.acl_public_keys = {sig::to_hex(ledger->public_key)};
    return config;
}

std::string signed_ack(const SignedAck& ack, const sig::KeyPair& keys) {
    auto body = encode_ack_body(ack);
    auto s = sig::sign_bytes(body, keys.secret_key);
    return join_signed(body, kAckEnvelopeType, s.key_id, s.hex);
}

std::string refusal(const Result<SignedAck>& ack) {
    REQUIRE_FALSE(ack);
    return ack.error().message();
}

const SignedAck kAck{"lab", "laser-1", 1'767'225'600'000, {"0190-a", "0190-b"}};

}  // namespace

TEST_CASE("an ack signed by the ledger for this gate is taken, ids intact") {
    auto ledger = sig::generate_keypair().value();
    auto ack = read_ack(signed_ack(kAck, ledger), gate_config(&ledger));
    REQUIRE(ack);
    CHECK(ack->ids == kAck.ids);
}

TEST_CASE("forged, unsigned or misdirected acks are refused, saying why") {
    auto ledger = sig::generate_keypair().value();
    auto forger = sig::generate_keypair().value();
    auto config = gate_config(&ledger);
    config.insecure_unsigned_acl = true;  // never a way around a configured key

    const std::string older_ledgers_ack = R"({"v":1,"type":"ack","ids":["0190-a","0190-b"]})";
    CHECK(refusal(read_ack(older_ledgers_ack, config)).find("not signed") != std::string::npos);
    CHECK(refusal(read_ack(encode_ack_body(kAck), config)).find("not signed") != std::string::npos);
    CHECK(refusal(read_ack(signed_ack(kAck, forger), config)).find("does not trust") !=
          std::string::npos);
    auto other = kAck;
    other.machine = "laser-2";  // a genuine ack for another gate, replayed here
    CHECK(refusal(read_ack(signed_ack(other, ledger), config)).find("this gate is lab/laser-1") !=
          std::string::npos);
    // The signature covers the ids: one added after signing breaks it.
    auto payload = signed_ack(kAck, ledger);
    payload.insert(payload.find("\"0190-a\""), "\"0190-z\",");
    CHECK(refusal(read_ack(payload, config)).find("does not match") != std::string::npos);
}

TEST_CASE("without a ledger key, unsigned acks are taken only when the config says insecure") {
    auto config = gate_config(nullptr);
    CHECK(refusal(read_ack(encode_ack_body(kAck), config)).find("no acl_public_keys") !=
          std::string::npos);
    config.insecure_unsigned_acl = true;
    CHECK(read_ack(encode_ack_body(kAck), config));
}

TEST_CASE("an ack's signature is valid only under the key id it was made with") {
    auto old_key = sig::generate_keypair().value();
    auto new_key = sig::generate_keypair().value();
    auto config = gate_config(&old_key);
    config.acl_public_keys.push_back(sig::to_hex(new_key.public_key));  // rotation: both trusted
    auto body = encode_ack_body(kAck);
    auto s = sig::sign_bytes(body, old_key.secret_key);
    REQUIRE(read_ack(join_signed(body, kAckEnvelopeType, s.key_id, s.hex), config));
    auto relabelled = join_signed(body, kAckEnvelopeType, sig::key_id(new_key.public_key), s.hex);
    CHECK(refusal(read_ack(relabelled, config)).find("does not match") != std::string::npos);
    auto unnamed = "{\"v\":2,\"type\":\"ack_signed\",\"sig\":\"" + s.hex + "\"}\n" + body;
    CHECK(refusal(read_ack(unnamed, config)).find("key_id") != std::string::npos);
}

// What a gate accepts as its access list (gate/acl_intake): the safe default, the signature
// checked over the raw bytes before any parsing, and the size bound.
#include "gate/acl_intake.hpp"

#include <doctest/doctest.h>

#include "core/messages.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
namespace sig = fabgate::acl_signature;

namespace {

AccessList stranger_as_maintainer(std::int64_t version) {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = version;
    list.generated_at = 1'767'225'600'000;
    AccessEntry stranger;
    stranger.member = "m-666";
    stranger.role = Role::Maintainer;
    list.entries[Uid::parse("DEADBEEF").value()] = stranger;
    return list;
}

GateConfig gate_config() {
    GateConfig config;
    config.site = "lab";
    config.machine = "laser-1";
    return config;
}

std::string refusal(const Result<AccessList>& list) {
    REQUIRE_FALSE(list);
    return list.error().message();
}

}  // namespace

TEST_CASE("by default a gate refuses an unsigned list, even one that would make it useless") {
    auto config = gate_config();  // no acl_public_keys, no insecure_unsigned_acl
    auto attack = encode(stranger_as_maintainer(INT64_MAX));
    CHECK(refusal(read_access_list(attack, config)).find("insecure_unsigned_acl") !=
          std::string::npos);

    config.insecure_unsigned_acl = true;  // a test bench that asked for it
    CHECK(read_access_list(attack, config).value().version == INT64_MAX);
}

TEST_CASE("a gate with the ledger's key takes only lists that key signed") {
    auto ledger = sig::generate_keypair().value();
    auto forger = sig::generate_keypair().value();
    auto config = gate_config();
    config.acl_public_keys = {sig::to_hex(ledger.public_key)};
    config.insecure_unsigned_acl = true;  // never a way around a configured key

    auto list = stranger_as_maintainer(5);
    CHECK(read_access_list(sig::signed_payload(list, ledger.secret_key), config));
    CHECK(refusal(read_access_list(encode(list), config)).find("not signed") != std::string::npos);
    CHECK(refusal(read_access_list(sig::signed_payload(list, forger.secret_key), config))
              .find("does not trust") != std::string::npos);
}

TEST_CASE("the signature is checked before the body is parsed") {
    auto ledger = sig::generate_keypair().value();
    auto forger = sig::generate_keypair().value();
    auto config = gate_config();
    config.acl_public_keys = {sig::to_hex(ledger.public_key)};
    // A forged payload whose body would also fail to parse: the refusal names the signature,
    // so the body was never read.
    std::string hostile = std::string(50'000, '[') + std::string(50'000, ']');
    auto s = sig::sign_bytes(hostile, forger.secret_key);
    auto forged = join_access_list(hostile, s.key_id, s.hex);
    CHECK(refusal(read_access_list(forged, config)).rfind("signature:", 0) == 0);
    // Signed by the ledger, the same body reaches the bounded parser, which refuses it.
    auto l = sig::sign_bytes(hostile, ledger.secret_key);
    CHECK(refusal(read_access_list(join_access_list(hostile, l.key_id, l.hex), config))
              .find("nesting deeper") != std::string::npos);
}

TEST_CASE("a payload above acl_max_bytes is refused before anything is read") {
    auto ledger = sig::generate_keypair().value();
    auto config = gate_config();
    config.acl_public_keys = {sig::to_hex(ledger.public_key)};
    config.acl_max_bytes = 64 * 1024;
    auto list = stranger_as_maintainer(5);
    for (int i = 0; i < 2000; ++i) {
        char uid[16];
        std::snprintf(uid, sizeof uid, "04%06X", i);
        list.entries[Uid::parse(uid).value()] = AccessEntry{"m", "", false, {}, Role::User, {}};
    }
    auto payload = sig::signed_payload(list, ledger.secret_key);
    REQUIRE(payload.size() > 64 * 1024);
    CHECK(refusal(read_access_list(payload, config)).find("larger than acl_max_bytes") !=
          std::string::npos);
    config.acl_max_bytes = static_cast<std::int64_t>(payload.size());
    CHECK(read_access_list(payload, config));
}

TEST_CASE("two trusted keys: lists from either are taken while a key is rotated") {
    auto current = sig::generate_keypair().value();
    auto next = sig::generate_keypair().value();
    auto config = gate_config();
    config.acl_public_keys = {sig::to_hex(current.public_key), sig::to_hex(next.public_key)};
    CHECK(read_access_list(sig::signed_payload(stranger_as_maintainer(1), current.secret_key),
                           config));
    CHECK(
        read_access_list(sig::signed_payload(stranger_as_maintainer(2), next.secret_key), config));
}

// The fuzzers' signed seeds must be envelopes a gate takes, or libFuzzer spends them on the first
// check (as it did on "v":1 seeds once envelopes went to v2). This rebuilds them with the
// throwaway key the fuzz targets trust and checks the committed files are exactly that; run with
// FABGATE_WRITE_FUZZ_SEEDS=1 in the environment, it rewrites them first (after a format change).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../../fuzz/fuzz_seed_key.hpp"
#include "core/ack_wire.hpp"
#include "core/acl_wire.hpp"
#include "core/signed_envelope.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
namespace sig = fabgate::acl_signature;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

std::array<std::uint8_t, sig::kSecretKeyBytes> seed_secret_key() {
    auto bytes = from_hex(fuzz::kSeedSecretKeyHex, "seed key").value();
    std::array<std::uint8_t, sig::kSecretKeyBytes> key{};
    std::copy(bytes.begin(), bytes.end(), key.begin());
    return key;
}

// Every field a list can carry, for the machine the fuzz targets' gate is.
std::string acl_seed() {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = 43;
    list.generated_at = kT0;
    list.valid_until = kT0 + 7LL * 24 * 3600 * 1000;
    list.maintenance = MaintenanceLock{"maria", "new lens", kT0 - 100'000};
    AccessEntry alice;
    alice.member = "m-17";
    alice.role = Role::Maintainer;
    alice.member_until = kT0 + 1000;
    AccessEntry bob;
    bob.member = "m-18";
    bob.suspended = true;
    bob.role = Role::Supervisor;
    bob.right_until = kT0 + 2000;
    list.entries[Uid::parse("04A1B2C3").value()] = alice;
    list.entries[Uid::parse("04A1B2C4").value()] = bob;
    return sig::signed_payload(list, seed_secret_key());
}

std::string ack_seed() {
    auto body = encode_ack_body(SignedAck{"lab", "laser-1", kT0, {"0190-a", "0190-b"}});
    auto s = sig::sign_bytes(body, seed_secret_key());
    return join_signed(body, kAckEnvelopeType, s.key_id, s.hex);
}

std::string committed(const std::string& path, const std::string& expected) {
    if (std::getenv("FABGATE_WRITE_FUZZ_SEEDS")) std::ofstream(path, std::ios::binary) << expected;
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("the fuzzers' signed seeds are current envelopes that verify with the key they trust") {
    const std::string corpus = FABGATE_FUZZ_CORPUS;
    const std::string trusted[] = {fuzz::kSeedPublicKeyHex};

    auto acl = committed(corpus + "/fuzz_access_list/signed", acl_seed());
    CHECK(acl == acl_seed());
    auto wire = split_access_list(acl);
    REQUIRE_MESSAGE(wire, wire.error().message());
    auto verified = sig::verify(*wire, trusted);
    CHECK_MESSAGE(verified, verified.error().message());
    auto list = parse_access_list_body(wire->body);
    REQUIRE_MESSAGE(list, list.error().message());
    CHECK(list->entries.size() == 2);

    auto ack = committed(corpus + "/fuzz_ack/signed", ack_seed());
    CHECK(ack == ack_seed());
    auto envelope = split_signed(ack, kAckEnvelopeType);
    REQUIRE_MESSAGE(envelope, envelope.error().message());
    auto ack_verified =
        sig::verify_bytes(envelope->body, envelope->key_id, envelope->signature, trusted);
    CHECK_MESSAGE(ack_verified, ack_verified.error().message());
    auto body = decode_ack_body(envelope->body);
    REQUIRE_MESSAGE(body, body.error().message());
    CHECK(body->machine == "laser-1");
}

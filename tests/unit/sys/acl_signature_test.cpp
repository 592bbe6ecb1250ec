#include "sys/acl_signature.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <array>

using namespace fabgate;
namespace sig = fabgate::acl_signature;

namespace {

AccessList sample_list() {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = 7;
    list.generated_at = 1'767'225'600'000;
    AccessEntry alice;
    alice.member = "m-17";
    alice.name = "Alice";
    alice.role = Role::User;
    list.entries[Uid::parse("04A1B2C3").value()] = alice;
    return list;
}

// What a gate receives: a list's payload, the body signed with `signature`.
struct Wire {
    AccessList list;
    std::string signature;
    std::string key_id;
    std::string payload() const { return encode(list, signature, key_id); }
};

Wire signed_wire(const sig::KeyPair& keys, const AccessList& list) {
    auto body = signed_content(list);
    auto s = sig::sign_bytes(body, keys.secret_key);
    return Wire{list, s.hex, s.key_id};
}

}  // namespace

TEST_CASE("a list signed by the ledger's key verifies from the exact bytes on the wire") {
    auto keys = sig::generate_keypair().value();
    auto payload = sig::signed_payload(sample_list(), keys.secret_key);
    auto snapshot = decode_access_list(payload).value();
    CHECK(snapshot.signature.size() == sig::kSignatureBytes * 2);
    CHECK(snapshot.key_id == sig::key_id(keys.public_key));
    auto ok = sig::verify_payload(payload, sig::to_hex(keys.public_key));
    CHECK_MESSAGE(ok, (ok ? "" : ok.error().message()));
}

TEST_CASE("the signature covers the body's bytes, so a re-serialised body does not verify") {
    auto keys = sig::generate_keypair().value();
    auto payload = sig::signed_payload(sample_list(), keys.secret_key);
    // Same list, same meaning, one space more: not the bytes the ledger signed.
    auto spaced = payload;
    spaced.insert(spaced.find("\"site\""), " ");
    CHECK_FALSE(sig::verify_payload(spaced, sig::to_hex(keys.public_key)));
}

TEST_CASE("an upper-case public key is accepted") {
    auto keys = sig::generate_keypair().value();
    std::string hex = sig::to_hex(keys.public_key);
    for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(sig::verify_payload(sig::signed_payload(sample_list(), keys.secret_key), hex));
}

TEST_CASE("an unsigned list is refused and says so") {
    auto keys = sig::generate_keypair().value();
    auto s = sig::verify_payload(encode(sample_list()), sig::to_hex(keys.public_key));
    REQUIRE_FALSE(s);
    CHECK(s.error().message().find("not signed") != std::string::npos);
}

TEST_CASE("a list signed with another key is refused, naming the key it was signed with") {
    auto ledger = sig::generate_keypair().value();
    auto forger = sig::generate_keypair().value();
    auto s = sig::verify_payload(sig::signed_payload(sample_list(), forger.secret_key),
                                 sig::to_hex(ledger.public_key));
    REQUIRE_FALSE(s);
    CHECK(s.error().message().find(sig::key_id(forger.public_key)) != std::string::npos);
    CHECK(s.error().message().find("does not trust") != std::string::npos);
    // Labelled with the trusted key's id, the forger's signature is checked with that key.
    auto relabelled = signed_wire(forger, sample_list());
    relabelled.key_id = sig::key_id(ledger.public_key);
    auto a = sig::verify_payload(relabelled.payload(), sig::to_hex(ledger.public_key));
    REQUIRE_FALSE(a);
    CHECK(a.error().message().find("does not match") != std::string::npos);
}

TEST_CASE(
    "a signature names its key: re-labelled to another trusted key, or to none, it is "
    "refused") {
    auto old_key = sig::generate_keypair().value();
    auto new_key = sig::generate_keypair().value();
    std::vector<std::string> trusted{sig::to_hex(old_key.public_key),
                                     sig::to_hex(new_key.public_key)};
    auto genuine = signed_wire(old_key, sample_list());
    REQUIRE(sig::verify(split_access_list(genuine.payload()).value(), trusted));

    SUBCASE("the envelope names the other trusted key") {
        auto relabelled = genuine;
        relabelled.key_id = sig::key_id(new_key.public_key);
        auto s = sig::verify(split_access_list(relabelled.payload()).value(), trusted);
        REQUIRE_FALSE(s);
        CHECK(s.error().message().find("does not match") != std::string::npos);
    }
    SUBCASE("the key id is stripped from the envelope") {
        auto body = signed_content(genuine.list);
        auto payload =
            "{\"v\":2,\"type\":\"acl_signed\",\"sig\":\"" + genuine.signature + "\"}\n" + body;
        auto wire = split_access_list(payload);
        REQUIRE_FALSE(wire);
        CHECK(wire.error().message().find("key_id") != std::string::npos);
        // And a receiver handed the bare signature without an id refuses it as well.
        auto s = sig::verify_bytes(body, "", genuine.signature, trusted);
        REQUIRE_FALSE(s);
        CHECK(s.error().message().find("key_id") != std::string::npos);
    }
    SUBCASE("the signature covers the key id, not only the body") {
        // A signature over the body alone (the old envelope) verifies under no key id.
        auto body = signed_content(genuine.list);
        std::array<std::uint8_t, sig::kSignatureBytes> bare{};
        crypto_sign_detached(bare.data(), nullptr,
                             reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                             old_key.secret_key.data());
        for (const auto* keys : {&old_key, &new_key})
            CHECK_FALSE(
                sig::verify_bytes(body, sig::key_id(keys->public_key), sig::to_hex(bare), trusted));
    }
}

TEST_CASE("an envelope of version 1 is refused, saying the ledger is older than the gate") {
    auto keys = sig::generate_keypair().value();
    auto payload = sig::signed_payload(sample_list(), keys.secret_key);
    payload.replace(payload.find("\"v\":2"), 5, "\"v\":1");
    auto wire = split_access_list(payload);
    REQUIRE_FALSE(wire);
    CHECK(wire.error().message().find("no longer accepted") != std::string::npos);
}

TEST_CASE("either of two trusted keys verifies (rotation); a third does not") {
    auto old_key = sig::generate_keypair().value();
    auto new_key = sig::generate_keypair().value();
    auto other = sig::generate_keypair().value();
    std::vector<std::string> trusted{sig::to_hex(old_key.public_key),
                                     sig::to_hex(new_key.public_key)};
    for (const auto* keys : {&old_key, &new_key}) {
        // The wire's body is a view into the payload: keep the payload alive.
        auto payload = sig::signed_payload(sample_list(), keys->secret_key);
        CHECK(sig::verify(split_access_list(payload).value(), trusted));
    }
    auto payload = sig::signed_payload(sample_list(), other.secret_key);
    CHECK_FALSE(sig::verify(split_access_list(payload).value(), trusted));
}

TEST_CASE("any change to a signed list breaks its signature") {
    auto keys = sig::generate_keypair().value();
    auto pub = sig::to_hex(keys.public_key);
    auto good = signed_wire(keys, sample_list());
    REQUIRE(sig::verify_payload(good.payload(), pub));

    SUBCASE("a badge added") {
        auto forged = good;
        AccessEntry mallory;
        mallory.member = "m-66";
        mallory.role = Role::Supervisor;
        forged.list.entries[Uid::parse("DEADBEEF").value()] = mallory;
        CHECK_FALSE(sig::verify_payload(forged.payload(), pub));
    }
    SUBCASE("a role raised") {
        auto forged = good;
        forged.list.entries.begin()->second.role = Role::Maintainer;
        CHECK_FALSE(sig::verify_payload(forged.payload(), pub));
    }
    SUBCASE("a suspension lifted") {
        auto list = sample_list();
        list.entries.begin()->second.suspended = true;
        auto suspended = signed_wire(keys, list);
        suspended.list.entries.begin()->second.suspended = false;
        CHECK_FALSE(sig::verify_payload(suspended.payload(), pub));
    }
    SUBCASE("replayed for another machine") {
        auto forged = good;
        forged.list.machine = "laser-2";
        CHECK_FALSE(sig::verify_payload(forged.payload(), pub));
    }
    SUBCASE("a version bumped") {
        auto forged = good;
        forged.list.version = 8;
        CHECK_FALSE(sig::verify_payload(forged.payload(), pub));
    }
    SUBCASE("one bit of the signature flipped") {
        auto forged = good;
        forged.signature[0] = forged.signature[0] == '0' ? '1' : '0';
        CHECK_FALSE(sig::verify_payload(forged.payload(), pub));
    }
}

TEST_CASE("malformed signatures and keys are refused with the reason, never accepted") {
    auto keys = sig::generate_keypair().value();
    auto pub = sig::to_hex(keys.public_key);
    auto good = signed_wire(keys, sample_list());

    auto refused_because = [](const Status& s, const std::string& part) {
        REQUIRE_FALSE(s);
        CHECK_MESSAGE(s.error().message().find(part) != std::string::npos, s.error().message());
    };
    auto odd = good;
    odd.signature.pop_back();
    refused_because(sig::verify_payload(odd.payload(), pub), "odd number");
    auto not_hex = good;
    not_hex.signature[10] = 'g';
    refused_because(sig::verify_payload(not_hex.payload(), pub), "not hex at position 10");
    auto short_sig = good;
    short_sig.signature.resize(64);
    refused_because(sig::verify_payload(short_sig.payload(), pub), "must be 64 bytes");
    refused_because(sig::verify_payload(good.payload(), pub.substr(0, 62)),
                    "acl_public_key: must be 32 bytes");
    refused_because(sig::verify_payload(good.payload(), "zz" + pub.substr(2)), "not hex");
    auto bad_id = good;
    bad_id.key_id = "not-a-key-id";
    refused_because(sig::verify_payload(bad_id.payload(), pub), "key_id");
}

TEST_CASE("hex round trip and the key-file form of the secret key") {
    std::vector<std::uint8_t> bytes{0x00, 0x0f, 0xa5, 0xff};
    CHECK(sig::to_hex(bytes) == "000fa5ff");
    CHECK(sig::from_hex("000FA5ff", "x").value() == bytes);

    auto keys = sig::generate_keypair().value();
    auto list = sample_list();
    auto via_hex = sig::sign_hex(list, sig::to_hex(keys.secret_key));
    REQUIRE(via_hex);
    CHECK(via_hex->hex == sig::sign(list, keys.secret_key).hex);  // Ed25519 is deterministic
    CHECK(via_hex->key_id == sig::key_id(keys.public_key));
    CHECK_FALSE(
        sig::sign_hex(list, sig::to_hex(keys.public_key)));  // a public key is not a secret key
}

#include "sys/acl_signature.hpp"

#include <doctest/doctest.h>

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

AccessSnapshot signed_snapshot(const sig::KeyPair& keys, const AccessList& list) {
    return AccessSnapshot{list, sig::sign(list, keys.secret_key)};
}

// The snapshot as a gate receives it: through the wire format, not the in-memory model.
AccessSnapshot through_wire(const AccessSnapshot& s) {
    return decode_access_list(encode(s.list, s.signature)).value();
}

}  // namespace

TEST_CASE("a list signed by the ledger's key verifies after a trip through the wire format") {
    auto keys = sig::generate_keypair().value();
    auto snapshot = through_wire(signed_snapshot(keys, sample_list()));
    CHECK(snapshot.signature.size() == sig::kSignatureBytes * 2);
    auto ok = sig::verify(snapshot, sig::to_hex(keys.public_key));
    CHECK_MESSAGE(ok, (ok ? "" : ok.error().message()));
}

TEST_CASE("an upper-case public key is accepted") {
    auto keys = sig::generate_keypair().value();
    std::string hex = sig::to_hex(keys.public_key);
    for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(sig::verify(signed_snapshot(keys, sample_list()), hex));
}

TEST_CASE("an unsigned list is refused and says so") {
    auto keys = sig::generate_keypair().value();
    AccessSnapshot unsigned_snapshot{sample_list(), ""};
    auto s = sig::verify(unsigned_snapshot, sig::to_hex(keys.public_key));
    REQUIRE_FALSE(s);
    CHECK(s.error().message().find("not signed") != std::string::npos);
}

TEST_CASE("a list signed with another key is refused") {
    auto ledger = sig::generate_keypair().value();
    auto forger = sig::generate_keypair().value();
    auto s = sig::verify(signed_snapshot(forger, sample_list()), sig::to_hex(ledger.public_key));
    REQUIRE_FALSE(s);
    CHECK(s.error().message().find("does not match") != std::string::npos);
}

TEST_CASE("any change to a signed list breaks its signature") {
    auto keys = sig::generate_keypair().value();
    auto pub = sig::to_hex(keys.public_key);
    auto good = signed_snapshot(keys, sample_list());

    SUBCASE("a badge added") {
        auto forged = good;
        AccessEntry mallory;
        mallory.member = "m-66";
        mallory.role = Role::Supervisor;
        forged.list.entries[Uid::parse("DEADBEEF").value()] = mallory;
        CHECK_FALSE(sig::verify(forged, pub));
    }
    SUBCASE("a role raised") {
        auto forged = good;
        forged.list.entries.begin()->second.role = Role::Maintainer;
        CHECK_FALSE(sig::verify(forged, pub));
    }
    SUBCASE("a suspension lifted") {
        auto list = sample_list();
        list.entries.begin()->second.suspended = true;
        auto suspended = signed_snapshot(keys, list);
        suspended.list.entries.begin()->second.suspended = false;
        CHECK_FALSE(sig::verify(suspended, pub));
    }
    SUBCASE("replayed for another machine") {
        auto forged = good;
        forged.list.machine = "laser-2";
        CHECK_FALSE(sig::verify(forged, pub));
    }
    SUBCASE("a version bumped") {
        auto forged = good;
        forged.list.version = 8;
        CHECK_FALSE(sig::verify(forged, pub));
    }
    SUBCASE("one bit of the signature flipped") {
        auto forged = good;
        forged.signature[0] = forged.signature[0] == '0' ? '1' : '0';
        CHECK_FALSE(sig::verify(forged, pub));
    }
}

TEST_CASE("malformed signatures and keys are refused with the reason, never accepted") {
    auto keys = sig::generate_keypair().value();
    auto pub = sig::to_hex(keys.public_key);
    auto good = signed_snapshot(keys, sample_list());

    auto refused_because = [](const Status& s, const std::string& part) {
        REQUIRE_FALSE(s);
        CHECK_MESSAGE(s.error().message().find(part) != std::string::npos, s.error().message());
    };
    auto odd = good;
    odd.signature.pop_back();
    refused_because(sig::verify(odd, pub), "odd number");
    auto not_hex = good;
    not_hex.signature[10] = 'g';
    refused_because(sig::verify(not_hex, pub), "not hex at position 10");
    auto short_sig = good;
    short_sig.signature.resize(64);
    refused_because(sig::verify(short_sig, pub), "must be 64 bytes");
    refused_because(sig::verify(good, pub.substr(0, 62)), "acl_public_key: must be 32 bytes");
    refused_because(sig::verify(good, ""), "acl_public_key");
    refused_because(sig::verify(good, "zz" + pub.substr(2)), "not hex");
}

TEST_CASE("hex round trip and the key-file form of the secret key") {
    std::vector<std::uint8_t> bytes{0x00, 0x0f, 0xa5, 0xff};
    CHECK(sig::to_hex(bytes) == "000fa5ff");
    CHECK(sig::from_hex("000FA5ff", "x").value() == bytes);

    auto keys = sig::generate_keypair().value();
    auto list = sample_list();
    auto via_hex = sig::sign_hex(list, sig::to_hex(keys.secret_key));
    REQUIRE(via_hex);
    CHECK(*via_hex == sig::sign(list, keys.secret_key));  // Ed25519 is deterministic
    CHECK_FALSE(
        sig::sign_hex(list, sig::to_hex(keys.public_key)));  // a public key is not a secret key
}

#pragma once
// Ed25519 signatures (libsodium) on what the ledger tells gates: access lists and acks. The
// ledger signs the exact bytes a gate receives; a gate refuses any list or ack whose signature
// does not verify, so a client that gets write access to a gate's topics still cannot grant
// itself a machine or delete a gate's sessions.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/acl_wire.hpp"
#include "core/messages.hpp"
#include "core/result.hpp"
#include "sys/hex.hpp"

namespace fabgate::acl_signature {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;  // libsodium's seed + public key layout
inline constexpr std::size_t kSignatureBytes = 64;

struct KeyPair {
    std::array<std::uint8_t, kPublicKeyBytes> public_key{};
    std::array<std::uint8_t, kSecretKeyBytes> secret_key{};
};

Result<KeyPair> generate_keypair();

// Creates `path` holding the secret key as hex, mode 0600. Refuses if anything already
// exists there (a key, an empty file, a symlink): gates trust the public half of the key it
// holds, and a check-then-create would race with another writer.
Status write_secret_key_file(const std::string& path,
                             std::span<const std::uint8_t, kSecretKeyBytes> secret_key);

// Keys and signatures travel as hex (sys/hex.hpp): upper or lower case, no separators.
using fabgate::from_hex;
using fabgate::to_hex;

// How a signed message names its signer: the first 8 bytes of the public key, as hex. Gates
// hold up to two public keys (rotation) and pick the one the key id names.
std::string key_id(std::span<const std::uint8_t, kPublicKeyBytes> public_key);
// Same, from a key in hex (a gate's acl_public_keys entry); "" if it is not 64 hex digits.
std::string key_id_of_hex(std::string_view public_key_hex);

// What a signature covers: this context, the signer's key id, a newline, then the bytes. The
// key id is signed, so a signature moved into an envelope naming another key (or none) never
// verifies, and the context keeps these signatures apart from any other use of the key.
inline constexpr std::string_view kSignedContext = "fabgate-signed-v2 key_id=";
std::string signed_message(std::string_view key_id, std::string_view bytes);

struct Signature {
    std::string key_id;
    std::string hex;  // lower-case hex of the detached signature
};
// Signs signed_message(its key id, bytes).
Signature sign_bytes(std::string_view bytes,
                     std::span<const std::uint8_t, kSecretKeyBytes> secret_key);
// The signature over signed_content(list), the body of the list's payload, with the key id it
// is valid under (encode(list, s.hex, s.key_id)).
Signature sign(const AccessList& list, std::span<const std::uint8_t, kSecretKeyBytes> secret_key);
// Same, with the secret key as hex (as kept in a key file).
Result<Signature> sign_hex(const AccessList& list, std::string_view secret_key_hex);
// The whole payload a ledger publishes: envelope with key id and signature, then the body.
std::string signed_payload(const AccessList& list,
                           std::span<const std::uint8_t, kSecretKeyBytes> secret_key);

// Ok only if `signature` (hex) is the trusted key `key_id` names signing
// signed_message(key_id, bytes). No key id: refused. Nothing is parsed before this.
Status verify_bytes(std::string_view bytes, std::string_view key_id, std::string_view signature,
                    std::span<const std::string> trusted_public_keys_hex);
// An access-list payload's envelope signature over its body, checked before the body is read.
Status verify(const AclWire& wire, std::span<const std::string> trusted_public_keys_hex);
// Convenience for a single key and a whole payload.
Status verify_payload(std::string_view payload, std::string_view public_key_hex);

}  // namespace fabgate::acl_signature

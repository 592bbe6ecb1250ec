#pragma once
// Ed25519 signatures on access lists (libsodium). The ledger signs signed_content(list); a gate
// with acl_public_key set refuses any snapshot whose signature does not verify, so a client
// that gets write access to an acl topic still cannot grant itself a machine.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/messages.hpp"
#include "core/result.hpp"

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

std::string to_hex(std::span<const std::uint8_t> bytes);
// Upper or lower case; no separators. `what` names the value in the error ("acl_public_key").
Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::string_view what);

// Lower-case hex of the detached signature over signed_content(list).
std::string sign(const AccessList& list, std::span<const std::uint8_t, kSecretKeyBytes> secret_key);
// Same, with the secret key as hex (as kept in a key file).
Result<std::string> sign_hex(const AccessList& list, std::string_view secret_key_hex);

// Ok only if the snapshot carries a signature by this key over exactly this list.
Status verify(const AccessSnapshot& snapshot, std::string_view public_key_hex);

}  // namespace fabgate::acl_signature

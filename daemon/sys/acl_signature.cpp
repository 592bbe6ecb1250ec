#include "sys/acl_signature.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <mutex>
#include <stdexcept>

namespace fabgate::acl_signature {
namespace {

bool sodium_ready() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] { ok = sodium_init() >= 0; });
    return ok;
}

}  // namespace

Result<KeyPair> generate_keypair() {
    if (!sodium_ready()) return fail("acl signature", "libsodium could not be initialised");
    KeyPair pair;
    if (crypto_sign_keypair(pair.public_key.data(), pair.secret_key.data()) != 0)
        return fail("acl signature", "key generation failed");
    return pair;
}

Status write_secret_key_file(const std::string& path,
                             std::span<const std::uint8_t, kSecretKeyBytes> secret_key) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return fail(
                path, "exists; refusing to overwrite a signing key (gates trust its public half)");
        return fail(path, std::string("cannot create: ") + std::strerror(errno));
    }
    std::string text = to_hex(secret_key) + "\n";
    std::size_t written = 0;
    while (written < text.size()) {
        auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    bool ok = written == text.size() && ::fsync(fd) == 0;
    int saved = errno;
    sodium_memzero(text.data(), text.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        ::unlink(path.c_str());  // ours: created above; a half-written key is worse than none
        return fail(path, std::string("cannot write: ") + std::strerror(saved));
    }
    return {};
}

std::string key_id(std::span<const std::uint8_t, kPublicKeyBytes> public_key) {
    return to_hex(public_key.first(8));
}

std::string key_id_of_hex(std::string_view public_key_hex) {
    auto key = from_hex(public_key_hex, "public key");
    if (!key || key->size() != kPublicKeyBytes) return "";
    return to_hex(std::span<const std::uint8_t>(*key).first(8));
}

std::string signed_message(std::string_view key_id, std::string_view bytes) {
    std::string message;
    message.reserve(kSignedContext.size() + key_id.size() + 1 + bytes.size());
    message.append(kSignedContext).append(key_id).append(1, '\n').append(bytes);
    return message;
}

Signature sign_bytes(std::string_view bytes,
                     std::span<const std::uint8_t, kSecretKeyBytes> secret_key) {
    if (!sodium_ready()) throw std::runtime_error("libsodium could not be initialised");
    // libsodium's secret key is the seed followed by the public key.
    auto id = key_id(secret_key.subspan<kSecretKeyBytes - kPublicKeyBytes>());
    auto message = signed_message(id, bytes);
    std::array<std::uint8_t, kSignatureBytes> signature{};
    crypto_sign_detached(signature.data(), nullptr,
                         reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         secret_key.data());
    return {std::move(id), to_hex(signature)};
}

Signature sign(const AccessList& list, std::span<const std::uint8_t, kSecretKeyBytes> secret_key) {
    return sign_bytes(signed_content(list), secret_key);
}

std::string signed_payload(const AccessList& list,
                           std::span<const std::uint8_t, kSecretKeyBytes> secret_key) {
    auto body = signed_content(list);
    auto signature = sign_bytes(body, secret_key);
    return join_access_list(body, signature.key_id, signature.hex);
}

Result<Signature> sign_hex(const AccessList& list, std::string_view secret_key_hex) {
    TRY_ASSIGN(auto key, from_hex(secret_key_hex, "acl secret key"));
    if (key.size() != kSecretKeyBytes)
        return fail("acl secret key", "must be " + std::to_string(kSecretKeyBytes) + " bytes (" +
                                          std::to_string(kSecretKeyBytes * 2) +
                                          " hex digits), got " + std::to_string(key.size()));
    return sign(list, std::span<const std::uint8_t, kSecretKeyBytes>(key.data(), kSecretKeyBytes));
}

Status verify_bytes(std::string_view bytes, std::string_view key_id, std::string_view signature,
                    std::span<const std::string> trusted_public_keys_hex) {
    if (!sodium_ready()) return fail("signature", "libsodium could not be initialised");
    if (signature.empty())
        return fail("signature", "the message is not signed and this gate requires signatures");
    TRY_ASSIGN(auto sig, from_hex(signature, "signature"));
    if (sig.size() != kSignatureBytes)
        return fail("signature", "must be " + std::to_string(kSignatureBytes) + " bytes, got " +
                                     std::to_string(sig.size()));
    if (key_id.empty())
        return fail("signature",
                    "names no key_id; a signature is valid only under the key id "
                    "it was made with");
    auto message = signed_message(key_id, bytes);
    bool named_key_known = false;
    for (const auto& hex : trusted_public_keys_hex) {
        TRY_ASSIGN(auto key, from_hex(hex, "acl_public_key"));
        if (key.size() != kPublicKeyBytes)
            return fail("acl_public_key", "must be " + std::to_string(kPublicKeyBytes) +
                                              " bytes (" + std::to_string(kPublicKeyBytes * 2) +
                                              " hex digits), got " + std::to_string(key.size()));
        if (to_hex(std::span<const std::uint8_t>(key).first(8)) != key_id) continue;
        named_key_known = true;
        if (crypto_sign_verify_detached(sig.data(),
                                        reinterpret_cast<const unsigned char*>(message.data()),
                                        message.size(), key.data()) == 0)
            return {};
    }
    if (!named_key_known)
        return fail("signature",
                    "signed with key " + std::string(key_id) + ", which this gate does not trust");
    return fail("signature", "does not match: the message was altered or signed with another key");
}

Status verify(const AclWire& wire, std::span<const std::string> trusted_public_keys_hex) {
    return verify_bytes(wire.body, wire.key_id, wire.signature, trusted_public_keys_hex);
}

Status verify_payload(std::string_view payload, std::string_view public_key_hex) {
    TRY_ASSIGN(auto wire, split_access_list(payload));
    std::string key(public_key_hex);
    return verify(wire, std::span<const std::string>(&key, 1));
}

}  // namespace fabgate::acl_signature

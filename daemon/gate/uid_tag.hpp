#pragma once
// How the gate names a badge in its log: the first 8 hex digits of the UID's SHA-256
// ("uid#3f2a9c01"), never the UID itself. A log line then tells badges apart, and a manager can
// match it to a badge (`printf 04A1B2C3 | sha256sum | cut -c1-8`), but the journal of a gate in
// a public room does not hand out UIDs to clone (docs/privacy.md).
#include <sodium.h>

#include <string>
#include <string_view>

namespace fabgate::gate {

inline std::string uid_tag(std::string_view uid_hex) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(uid_hex.data()),
                       uid_hex.size());
    static constexpr char kHex[] = "0123456789abcdef";
    std::string tag = "uid#";
    for (int i = 0; i < 4; ++i) {
        tag += kHex[digest[i] >> 4];
        tag += kHex[digest[i] & 0xF];
    }
    return tag;
}

}  // namespace fabgate::gate

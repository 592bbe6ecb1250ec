#include "sys/uid_tag.hpp"

#include <sodium.h>

#include <cstdint>
#include <span>

#include "sys/hex.hpp"

namespace fabgate {

std::string uid_tag(std::string_view uid_hex) {
    std::uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(uid_hex.data()),
                       uid_hex.size());
    return "uid#" + to_hex(std::span(digest).first<4>());
}

}  // namespace fabgate

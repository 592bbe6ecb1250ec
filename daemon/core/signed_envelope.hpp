#pragma once
// What the ledger signs for gates travels as one envelope line, a newline, then the body:
//   {"v":2,"type":"<envelope type>","key_id":"<16 hex>","sig":"<128 hex>"}\n<body>
// The signature covers the key id and the body's exact bytes (acl_signature::signed_message),
// so a receiver checks it before parsing the body, and a signature moved under another key id
// (or none) no longer verifies. Without a newline in the first kMaxEnvelopeBytes, the payload
// is an unsigned body.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fabgate {

inline constexpr std::size_t kMaxEnvelopeBytes = 512;
// 1 was a signature over the body alone; it is refused with a message saying so.
inline constexpr int kEnvelopeVersion = 2;

struct SignedWire {
    std::string key_id;     // empty only when unsigned
    std::string signature;  // hex; empty: unsigned
    std::string_view body;  // exactly the bytes the signature covers (a view into the payload)
    bool is_signed() const { return !signature.empty(); }
};

// Reads the envelope only (at most kMaxEnvelopeBytes), never the body.
Result<SignedWire> split_signed(std::string_view payload, std::string_view envelope_type);
// The body alone when `signature` is empty, else envelope line + body.
std::string join_signed(std::string_view body, std::string_view envelope_type,
                        std::string_view key_id, std::string_view signature);

}  // namespace fabgate

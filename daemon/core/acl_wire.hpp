#pragma once
// An access list on the wire: an envelope line, then the body.
//
//   {"v":2,"type":"acl_signed","key_id":"<16 hex>","sig":"<128 hex>"}\n<body>
//
// The signature covers the key id and exactly the body's bytes, so a gate checks it before it
// parses one byte of the body, and only then parses the body with limits that fail at the first
// token out of place (a typed SAX parser: no JSON document is ever built). An unsigned list is the
// body alone; gates refuse it unless their config says insecure_unsigned_acl.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/access.hpp"
#include "core/result.hpp"

namespace fabgate {

inline constexpr std::size_t kMaxAclEnvelopeBytes = 512;

struct AclWire {
    std::string key_id;     // empty: unsigned
    std::string signature;  // hex; empty: unsigned
    std::string_view body;  // exactly the bytes the signature covers (a view into the payload)
    bool is_signed() const { return !signature.empty(); }
};

// Splits a payload into envelope and body; reads the envelope only (at most
// kMaxAclEnvelopeBytes), never the body.
Result<AclWire> split_access_list(std::string_view payload);
// The payload for `body`: the body alone when `signature` is empty, else envelope + body.
std::string join_access_list(std::string_view body, std::string_view key_id,
                             std::string_view signature);

struct AclParseLimits {
    std::size_t max_entries = 250'000;
    std::size_t max_string_bytes = 256;  // ids, names, uids, reasons
};

// Parses a list body in memory proportional to the entries it holds. Nesting deeper than the
// format, an unknown key, a wrong type, an over-long string or too many entries stop the parse
// at once with an error naming where.
Result<AccessList> parse_access_list_body(std::string_view body, const AclParseLimits& limits = {});

}  // namespace fabgate

#pragma once
// Bytes as lower-case hex and back, through libsodium (constant time, already linked for
// signing): keys, signatures, digests and pseudonyms all use these. core/ stays free of
// libsodium and spells badge uids itself (core/uid.cpp).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace fabgate {

std::string to_hex(std::span<const std::uint8_t> bytes);
// `what` names the value in the error ("signature": "not hex at position 7").
Result<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::string_view what);

}  // namespace fabgate

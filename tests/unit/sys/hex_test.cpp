// Keys, signatures and digests travel as hex: what a manager pastes into a gate's config must
// read back as the same bytes, and a typo must be named where it is.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "sys/hex.hpp"

using namespace fabgate;

TEST_CASE("bytes go out as lower-case hex and come back the same") {
    std::vector<std::uint8_t> bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    CHECK(to_hex(bytes) == "00017f80abff");
    auto back = from_hex("00017F80abFF", "key");
    REQUIRE(back);
    CHECK(*back == bytes);
    CHECK(to_hex({}) == "");
    CHECK(from_hex("", "key").value().empty());
}

TEST_CASE("hex that is not hex is refused, naming the value and the position") {
    auto odd = from_hex("abc", "acl_public_key");
    REQUIRE_FALSE(odd);
    CHECK(odd.error().message() == "acl_public_key: hex has an odd number of digits (3)");
    auto high = from_hex("00zz", "signature");
    REQUIRE_FALSE(high);
    CHECK(high.error().message() == "signature: not hex at position 2");
    auto low = from_hex("000z", "signature");
    REQUIRE_FALSE(low);
    CHECK(low.error().message() == "signature: not hex at position 3");
    CHECK_FALSE(from_hex("00 1", "signature"));
}

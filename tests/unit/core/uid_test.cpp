#include <doctest/doctest.h>

#include "core/uid.hpp"

using fabgate::Uid;

TEST_CASE("a badge is the same member whatever separators or case the reader prints") {
    auto plain = Uid::parse("04A1B2C3");
    REQUIRE(plain);
    CHECK(Uid::parse("04:a1:b2:c3").value() == *plain);
    CHECK(Uid::parse("04-A1-B2-C3").value() == *plain);
    CHECK(Uid::parse("04 a1 b2 c3").value() == *plain);
    CHECK(plain->hex() == "04A1B2C3");
}

TEST_CASE("a reader that sends bytes least significant first is normalised by reversing") {
    auto uid = Uid::parse("C3B2A104").value().reversed();
    CHECK(uid.hex() == "04A1B2C3");
}

TEST_CASE("decimal uids from keyboard readers map to the same bytes") {
    // 0x04A1B2C3 = 77705923
    CHECK(Uid::from_decimal("77705923", 4).value().hex() == "04A1B2C3");
    CHECK(Uid::from_decimal("0077705923", 4).value().hex() == "04A1B2C3");
    CHECK_FALSE(Uid::from_decimal("4294967296", 4));  // needs 5 bytes
    CHECK_FALSE(Uid::from_decimal("12a", 4));
    CHECK_FALSE(Uid::from_decimal("99999999999999999999999", 8));
}

TEST_CASE("bad uids are refused with a reason") {
    CHECK(Uid::parse("").error().what == "is empty");
    CHECK_FALSE(Uid::parse("04A"));
    CHECK_FALSE(Uid::parse("zz"));
    CHECK_FALSE(Uid::parse("0011223344556677889900"));
    CHECK(Uid::parse("00112233445566778899"));  // 10 bytes: ISO 14443A triple size
}

TEST_CASE("bytes round-trip") {
    std::vector<std::uint8_t> bytes{0x04, 0xA1, 0xB2, 0xC3, 0x00, 0xFF, 0x10};
    auto uid = Uid::from_bytes(bytes).value();
    CHECK(uid.hex() == "04A1B2C300FF10");
    CHECK(uid.bytes() == bytes);
}

#include "core/topics.hpp"

TEST_CASE("only the documented topic shape is accepted, exactly") {
    namespace topics = fabgate::topics;
    auto t = topics::parse("fabgate/lab/machines/laser-1/state");
    REQUIRE(t);
    CHECK(t->site == "lab");
    CHECK(t->machine == "laser-1");
    CHECK(t->leaf == "state");
    for (const char* bad :
         {"fabgate/lab/machines/laser-1/state/", "fabgate/lab/machines/laser-1",
          "fabgate/lab/machines//state", "fabgate/lab/machines/laser-1/state/extra",
          "other/lab/machines/laser-1/state", "fabgate/lab/tools/laser-1/state", "", "/"})
        CHECK_MESSAGE(!topics::parse(bad), bad);
}

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "readers/rdm6300_decoder.hpp"
#include "reported_drops.hpp"

using fabgate::Uid;
using fabgate::readers::Rdm6300Decoder;
using Drop = Rdm6300Decoder::Drop;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

// The RDM630 datasheet's example: card data 62 E3 08 6C ED, checksum 08.
const std::string kDatasheetFrame =
    "\x02"
    "62E3086CED08"
    "\x03";

std::vector<Uid> feed(Rdm6300Decoder& d, std::string_view s) {
    return d.feed(bytes(s));
}

}  // namespace

TEST_CASE("rdm6300: the datasheet frame gives the 5 data bytes as the uid") {
    Rdm6300Decoder d;
    auto uids = feed(d, kDatasheetFrame);
    REQUIRE(uids.size() == 1);
    CHECK(uids[0].hex() == "62E3086CED");
    CHECK(d.drops().total() == 0);
}

TEST_CASE("rdm6300: a frame split at every position decodes once") {
    for (std::size_t cut = 0; cut <= kDatasheetFrame.size(); ++cut) {
        CAPTURE(cut);
        Rdm6300Decoder d;
        auto first = feed(d, std::string_view(kDatasheetFrame).substr(0, cut));
        auto second = feed(d, std::string_view(kDatasheetFrame).substr(cut));
        CHECK(first.size() + second.size() == 1);
        auto& got = first.empty() ? second : first;
        REQUIRE(!got.empty());
        CHECK(got[0].hex() == "62E3086CED");
    }
}

TEST_CASE("rdm6300: byte-by-byte feeding of two frames gives both") {
    Rdm6300Decoder d;
    std::string two = kDatasheetFrame +
                      "\x02"
                      "0A00C4B2D3AF"
                      "\x03";
    std::vector<Uid> all;
    for (char c : two) {
        auto got = feed(d, std::string(1, c));
        all.insert(all.end(), got.begin(), got.end());
    }
    REQUIRE(all.size() == 2);
    CHECK(all[1].hex() == "0A00C4B2D3");
}

TEST_CASE("rdm6300: lower-case hex is accepted") {
    Rdm6300Decoder d;
    auto uids = feed(d,
                     "\x02"
                     "62e3086ced08"
                     "\x03");
    REQUIRE(uids.size() == 1);
    CHECK(uids[0].hex() == "62E3086CED");
}

TEST_CASE("rdm6300: a bad checksum is dropped and counted, the next good frame still decodes") {
    Rdm6300Decoder d;
    auto uids = feed(d,
                     "\x02"
                     "62E3086CED09"
                     "\x03" +
                         kDatasheetFrame);
    REQUIRE(uids.size() == 1);
    CHECK(d.drops()[Drop::BadChecksum] == 1);
    // One flipped data character: the checksum catches it instead of giving a wrong uid.
    CHECK(feed(d,
               "\x02"
               "62E3086CEC08"
               "\x03")
              .empty());
    CHECK(d.drops()[Drop::BadChecksum] == 2);
}

TEST_CASE("rdm6300: resynchronises on garbage before, inside and between frames") {
    Rdm6300Decoder d;
    auto uids = feed(d, std::string("\xff\x00noise", 7) + kDatasheetFrame + "zz");
    CHECK(uids.size() == 1);
    CHECK(d.drops()[Drop::NoiseBytes] == 9);
    CHECK(d.drops().total() == 0);  // stray bytes are no frame: the log counts frames

    SUBCASE("a cut frame followed by a whole one") {
        uids = feed(d,
                    "\x02"
                    "62E30" +
                        kDatasheetFrame);
        CHECK(uids.size() == 1);
        CHECK(d.drops()[Drop::Truncated] == 1);
    }
    SUBCASE("a non-hex character inside a frame") {
        uids = feed(d,
                    "\x02"
                    "62E3G86CED08"
                    "\x03" +
                        kDatasheetFrame);
        CHECK(uids.size() == 1);
        CHECK(d.drops()[Drop::BadChar] == 1);
    }
    SUBCASE("a frame without its end byte") {
        uids = feed(d,
                    "\x02"
                    "62E3086CED08"
                    "X" +
                        kDatasheetFrame);
        CHECK(uids.size() == 1);
        CHECK(d.drops()[Drop::MissingEnd] == 1);
    }
    SUBCASE("a frame whose end byte is a new start: the new frame decodes") {
        uids = feed(d,
                    "\x02"
                    "62E3086CED08" +
                        kDatasheetFrame);
        CHECK(uids.size() == 1);
        CHECK(d.drops()[Drop::MissingEnd] == 1);
    }
}

TEST_CASE("rdm6300: each dropped frame or stray byte is reported under its reason's name") {
    const fabgate::test::DroppedInput<std::string> cases[] = {
        {"a new frame starts before the last one ended",
         "\x02"
         "62E30" +
             kDatasheetFrame,
         "rdm6300.truncated=1"},
        {"a non-hex character inside a frame",
         "\x02"
         "62E3086CED0G",
         "rdm6300.bad_char=1"},
        {"12 characters not followed by the end byte",
         "\x02"
         "62E3086CED08"
         "X",
         "rdm6300.missing_end=1"},
        {"a wrong checksum",
         "\x02"
         "62E3086CED09"
         "\x03",
         "rdm6300.bad_checksum=1"},
        {"bytes outside any frame", "zz" + kDatasheetFrame, "rdm6300.noise_bytes=2"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        Rdm6300Decoder d;
        feed(d, c.input);
        CHECK(fabgate::test::reported_drops(d.drops()) == c.reported);
    }
}

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "readers/line_decoder.hpp"
#include "reported_drops.hpp"

using fabgate::ByteOrder;
using fabgate::Uid;
using fabgate::UidFormat;
using fabgate::readers::LineDecoder;
using Drop = LineDecoder::Drop;
using fabgate::readers::UidTextFormat;

namespace {

std::vector<std::string> feed(LineDecoder& d, std::string_view s) {
    std::vector<std::uint8_t> b(s.begin(), s.end());
    std::vector<std::string> out;
    for (const auto& uid : d.feed(b)) out.push_back(uid.hex());
    return out;
}

}  // namespace

TEST_CASE("line: hex uids with CR, LF or CRLF, with or without separators") {
    LineDecoder d(UidTextFormat{});
    CHECK(feed(d, "04A1B2C3\r\n") == std::vector<std::string>{"04A1B2C3"});
    CHECK(feed(d, "04:a1:b2:c3\n") == std::vector<std::string>{"04A1B2C3"});
    CHECK(feed(d, "04-A1-B2-C3\r") == std::vector<std::string>{"04A1B2C3"});
    CHECK(feed(d, "  04 A1 B2 C3  \r\n") == std::vector<std::string>{"04A1B2C3"});
    CHECK(d.drops().total() == 0);
}

TEST_CASE("line: a line split at every position gives the uid once") {
    const std::string line = "04:A1:B2:C3:D4:E5:F6\r\n";
    for (std::size_t cut = 0; cut <= line.size(); ++cut) {
        LineDecoder d(UidTextFormat{});
        auto a = feed(d, line.substr(0, cut));
        auto b = feed(d, line.substr(cut));
        a.insert(a.end(), b.begin(), b.end());
        CHECK(a == std::vector<std::string>{"04A1B2C3D4E5F6"});
    }
}

TEST_CASE("line: decimal readers, with the configured byte count") {
    LineDecoder d(UidTextFormat{UidFormat::Decimal, 4, ByteOrder::MsbFirst});
    // 0x04A1B2C3 = 77705923
    CHECK(feed(d, "0077705923\r\n") == std::vector<std::string>{"04A1B2C3"});
    // Does not fit in 4 bytes: dropped, not truncated into a wrong uid.
    CHECK(feed(d, "99999999999\r\n").empty());
    CHECK(d.drops()[Drop::Invalid] == 1);
}

TEST_CASE("line: least-significant-byte-first readers are put in canonical order") {
    LineDecoder hex(UidTextFormat{UidFormat::Hex, 4, ByteOrder::LsbFirst});
    CHECK(feed(hex, "C3B2A104\n") == std::vector<std::string>{"04A1B2C3"});
    LineDecoder dec(UidTextFormat{UidFormat::Decimal, 4, ByteOrder::LsbFirst});
    CHECK(feed(dec, "77705923\n") == std::vector<std::string>{"C3B2A104"});
}

TEST_CASE("line: garbage lines are dropped and counted; the next line still decodes") {
    LineDecoder d(UidTextFormat{});
    CHECK(feed(d, "hello\r\n04A1B2C3\r\n") == std::vector<std::string>{"04A1B2C3"});
    CHECK(feed(d, "4A1B2C3\n").empty());  // odd number of digits
    CHECK(d.drops()[Drop::Invalid] == 2);
}

TEST_CASE("line: an over-long line is dropped whole, up to its terminator") {
    LineDecoder d(UidTextFormat{});
    std::string noise(LineDecoder::kMaxLine + 20, 'A');
    CHECK(feed(d, noise).empty());
    // The tail of the long line must not become a uid when its terminator arrives.
    CHECK(feed(d, "04A1B2C3\r\n").empty());
    CHECK(d.drops()[Drop::TooLong] == 1);
    CHECK(feed(d, "04A1B2C3\r\n") == std::vector<std::string>{"04A1B2C3"});
}

TEST_CASE("line: each dropped line is reported under its reason's name") {
    const fabgate::test::DroppedInput<std::string> cases[] = {
        {"more characters than any uid has", std::string(LineDecoder::kMaxLine + 20, 'A') + "\n",
         "line.too_long=1"},
        {"not a uid", "hello\n", "line.invalid=1"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        LineDecoder d(UidTextFormat{});
        CHECK(feed(d, c.input).empty());
        CHECK(fabgate::test::reported_drops(d.drops()) == c.reported);
    }
}

#include <doctest/doctest.h>

#include <sstream>

#include "ctl/output.hpp"

using namespace fabgate::ctl;

namespace {

Table sample() {
    Table t{{"id"}, {"name"}, {"amount", true, "amount_minor"}};
    t.add({"m-1", "Zoë", Cell("12.50", 1250)});
    t.add({"m-22", "Smith, \"Al\"", Cell("3.00", 300)});
    return t;
}

std::string text_of(const Table& t) {
    std::ostringstream out;
    render_text(t, out);
    return out.str();
}

}  // namespace

TEST_CASE("text tables align columns by characters and numbers to the right") {
    CHECK(text_of(sample()) ==
          "ID    NAME         AMOUNT\n"
          "m-1   Zoë           12.50\n"
          "m-22  Smith, \"Al\"    3.00\n");
    CHECK(display_width("Zoë") == 3);
}

TEST_CASE("a line break in a name does not break the table") {
    Table t{{"id"}, {"name"}};
    t.add({"m-1", "two\nlines"});
    CHECK(text_of(t) == "ID   NAME\nm-1  two lines\n");
}

TEST_CASE("an empty table says so") {
    Table t{{"id"}};
    std::ostringstream out;
    render_text(t, out, "(no members match)");
    CHECK(out.str() == "(no members match)\n");
}

TEST_CASE("CSV quotes commas and quotes in names") {
    std::ostringstream out;
    render_csv(sample(), out);
    CHECK(out.str() ==
          "id,name,amount\n"
          "m-1,Zoë,12.50\n"
          "m-22,\"Smith, \"\"Al\"\"\",3.00\n");
    Table t{{"note"}};
    t.add({"line one\nline two"});
    std::ostringstream multi;
    render_csv(t, multi);
    CHECK(multi.str() == "note\n\"line one\nline two\"\n");
}

TEST_CASE("JSON keeps column order and typed values") {
    auto j = to_json(sample());
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 2);
    CHECK(j[0]["amount_minor"] == 1250);
    CHECK(j[1]["name"] == "Smith, \"Al\"");
    CHECK(j[0].dump() == R"({"id":"m-1","name":"Zoë","amount_minor":1250})");
    Table t{{"until"}};
    t.add({optional_cell(std::nullopt)});
    CHECK(to_json(t)[0]["until"].is_null());
}

TEST_CASE("invalid UTF-8 from the database does not stop JSON output") {
    Table t{{"name"}};
    t.add({std::string("bad \xff byte")});
    auto text = dump_json(to_json(t));
    CHECK(text.find("bad") != std::string::npos);
}

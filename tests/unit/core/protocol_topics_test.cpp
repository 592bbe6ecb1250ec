// The topic table of docs/protocol.md is the one every publisher and subscriber takes QoS and
// retain from (topics::kAll): each row of one is a row of the other.
#include <set>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "protocol_doc_reader.hpp"

using namespace fabgate;
using namespace protocol_doc;

namespace {

// One topic row as the doc writes it; the retained cell may add a note after yes/no.
std::string topic_row(std::string_view leaf, std::string_view from_to, std::string_view qos,
                      std::string_view retained, std::string_view payload_type) {
    auto word = std::string(retained.substr(0, retained.find(' ')));
    return std::string(leaf) + " | " + std::string(from_to) + " | QoS " + std::string(qos) +
           " | retained " + word + " | " + std::string(payload_type);
}

}  // namespace

TEST_CASE("the doc's topic table is the one publishers and subscribers take QoS and retain from") {
    std::set<std::string> in_doc, in_code;
    for (const auto& row : doc().topics) {
        REQUIRE(row.size() == 5);
        in_doc.insert(topic_row(unquote(row[0]), row[1], row[2], row[3], unquote(row[4])));
    }
    for (const auto& kind : topics::kAll)
        in_code.insert(topic_row(kind.leaf, std::string(kind.from) + " → " + std::string(kind.to),
                                 std::to_string(kind.qos), kind.retain ? "yes" : "no",
                                 kind.payload_type));
    CHECK(in_doc.size() == doc().topics.size());  // no row twice
    CHECK(in_code.size() == topics::kAll.size());
    CHECK(in_doc == in_code);
}

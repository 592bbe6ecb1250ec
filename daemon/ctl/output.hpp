#pragma once
// Tables as data, rendered three ways: aligned text for a person at a terminal, CSV for a
// spreadsheet, JSON for a script. Each cell keeps its display text and its typed JSON value,
// so "12.50 EUR" on screen is {"amount_minor":1250,"currency":"EUR"} for a program.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabgate::ctl {

// Keys in the order the columns are shown, not sorted.
using JsonValue = nlohmann::ordered_json;

struct Cell {
    std::string text;
    JsonValue value;

    Cell() : value(nullptr) {}
    Cell(std::string t) : text(t), value(std::move(t)) {}        // NOLINT: strings read naturally
    Cell(const char* t) : Cell(std::string(t)) {}                // NOLINT
    Cell(std::int64_t v) : text(std::to_string(v)), value(v) {}  // NOLINT
    Cell(std::string t, JsonValue v) : text(std::move(t)), value(std::move(v)) {}
};

// Empty text and JSON null when absent.
Cell optional_cell(const std::optional<std::string>& v);

struct Column {
    std::string key;       // text and CSV header, snake_case
    bool numeric = false;  // right-aligned in text
    std::string json_key;  // when the JSON value differs from the text ("amount_minor"); else key

    Column(std::string k, bool num = false, std::string json = {})  // NOLINT: {"id"} reads well
        : key(std::move(k)), numeric(num), json_key(std::move(json)) {}

    const std::string& json_name() const { return json_key.empty() ? key : json_key; }
};

struct Table {
    std::vector<Column> columns;
    std::vector<std::vector<Cell>> rows;

    Table(std::initializer_list<Column> cols) : columns(cols) {}
    void add(std::vector<Cell> row) { rows.push_back(std::move(row)); }
};

enum class Format { Text, Csv, Json };

// Header in upper case, columns two spaces apart, widths in characters (UTF-8 aware).
// An empty table prints `empty_note` instead, so the person sees that nothing matched.
void render_text(const Table& t, std::ostream& out, const std::string& empty_note = "(none)");
// RFC 4180 fields (quoted when they hold a comma, quote or line break), header of keys,
// lines ending in \n like the ledger's batch export.
void render_csv(const Table& t, std::ostream& out);
// An array of objects keyed by column.
JsonValue to_json(const Table& t);
void render(const Table& t, Format f, std::ostream& out, const std::string& empty_note = "(none)");

// JSON text that never throws: invalid UTF-8 from the database is replaced, not fatal.
std::string dump_json(const JsonValue& j);

// Display width of UTF-8 text: code points, not bytes ("Zoë" is 3).
std::size_t display_width(const std::string& text);

// "key  value" lines for one record, keys aligned.
void render_fields(const std::vector<std::pair<std::string, std::string>>& fields,
                   std::ostream& out);

}  // namespace fabgate::ctl

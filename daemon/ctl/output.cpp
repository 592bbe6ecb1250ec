#include "ctl/output.hpp"

#include <algorithm>
#include <cctype>

#include "core/billing.hpp"

namespace fabgate::ctl {

Cell optional_cell(const std::optional<std::string>& v) {
    return v ? Cell(*v) : Cell("", nullptr);
}

std::size_t display_width(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

namespace {

// A line break or tab inside a name would break the table's rows and columns.
std::string one_line(const std::string& text) {
    std::string out = text;
    for (auto& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return out;
}

std::string upper(const std::string& key) {
    std::string out;
    for (char c : key)
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return out;
}

}  // namespace

void render_text(const Table& t, std::ostream& out, const std::string& empty_note) {
    if (t.rows.empty()) {
        out << empty_note << "\n";
        return;
    }
    std::vector<std::size_t> widths;
    for (const auto& c : t.columns) widths.push_back(display_width(c.key));
    for (const auto& row : t.rows)
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], display_width(one_line(row[i].text)));

    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : std::string();
            std::size_t pad = widths[i] - display_width(cell);
            bool last = i + 1 == t.columns.size();
            if (t.columns[i].numeric) {
                text.append(pad, ' ').append(cell);
            } else {
                text.append(cell);
                if (!last) text.append(pad, ' ');
            }
            if (!last) text.append("  ");
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out << text << "\n";
    };
    std::vector<std::string> header;
    for (const auto& c : t.columns) header.push_back(upper(c.key));
    line(header);
    for (const auto& row : t.rows) {
        std::vector<std::string> cells;
        for (const auto& c : row) cells.push_back(one_line(c.text));
        line(cells);
    }
}

void render_csv(const Table& t, std::ostream& out) {
    std::string line;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (i) line.push_back(',');
        line.append(csv_field(t.columns[i].key));
    }
    out << line << "\n";
    for (const auto& row : t.rows) {
        line.clear();
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            if (i) line.push_back(',');
            if (i < row.size()) line.append(csv_field(row[i].text));
        }
        out << line << "\n";
    }
}

JsonValue to_json(const Table& t) {
    auto array = JsonValue::array();
    for (const auto& row : t.rows) {
        auto object = JsonValue::object();
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            object[t.columns[i].json_name()] = i < row.size() ? row[i].value : JsonValue(nullptr);
        array.push_back(std::move(object));
    }
    return array;
}

std::string dump_json(const JsonValue& j) {
    return j.dump(2, ' ', false, JsonValue::error_handler_t::replace);
}

void render(const Table& t, Format f, std::ostream& out, const std::string& empty_note) {
    switch (f) {
        case Format::Text:
            render_text(t, out, empty_note);
            break;
        case Format::Csv:
            render_csv(t, out);
            break;
        case Format::Json:
            out << dump_json(to_json(t)) << "\n";
            break;
    }
}

void render_fields(const std::vector<std::pair<std::string, std::string>>& fields,
                   std::ostream& out) {
    std::size_t width = 0;
    for (const auto& [k, v] : fields) width = std::max(width, display_width(k));
    for (const auto& [k, v] : fields) {
        auto value = one_line(v);
        out << k << (value.empty() ? "" : std::string(width - display_width(k) + 2, ' ') + value)
            << "\n";
    }
}

}  // namespace fabgate::ctl

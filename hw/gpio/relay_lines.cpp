#include "gpio/relay_lines.hpp"

#include <cctype>

#include "core/gate_config.hpp"
#include "core/json_reader.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

// One line description, as strictly as the config parser reads it, but alone: other keys of
// the object are ignored. Anything unreadable leaves the line unknown, never guessed.
std::optional<GpioLine> read_line(const nlohmann::json& value, const std::string& path,
                                  std::vector<std::string>& notes) {
    auto bad = [&](const std::string& field, const std::string& what) {
        notes.push_back(path + field + ": " + what);
        return std::nullopt;
    };
    if (!value.is_object()) return bad("", "must be an object such as {\"line\": \"GPIO17\"}");
    GpioLine line;
    if (auto chip = value.find("chip"); chip != value.end()) {
        if (!chip->is_string() || chip->get<std::string>().empty())
            return bad(".chip", "must be a chip name, path or label");
        line.chip = chip->get<std::string>();
    }
    auto offset = value.find("line");
    if (offset == value.end()) return bad(".line", "is required");
    if (offset->is_number_unsigned() && offset->get<std::uint64_t>() < 4096)
        line.offset = offset->get<unsigned>();
    else if (offset->is_string() && !offset->get<std::string>().empty())
        line.name = offset->get<std::string>();
    else
        return bad(".line", "must be a line offset (0 to 4095) or a line name such as \"GPIO17\"");
    if (auto low = value.find("active_low"); low != value.end()) {
        if (!low->is_boolean()) return bad(".active_low", "must be true or false");
        line.active_low = low->get<bool>();
    }
    return line;
}

const nlohmann::json* member(const nlohmann::json* object, const char* key) {
    if (!object || !object->is_object()) return nullptr;
    auto it = object->find(key);
    return it == object->end() ? nullptr : &*it;
}

// A document that parses but does not validate: walk to the two lines, ignoring the rest.
void walk(const nlohmann::json& document, RelayLines& found) {
    const auto* hardware = member(&document, "hardware");
    const auto* kind = member(hardware, "kind");
    // As the config parser: no hardware section, or no kind, means simulated hardware.
    if (!hardware || (hardware->is_object() && (!kind || *kind == "sim"))) {
        found.simulated = true;
        return;
    }
    if (kind && *kind != "gpio") {
        found.notes.push_back(
            "hardware.kind: is neither \"sim\" nor \"gpio\"; switching the relay line off "
            "if it can be found");
    }
    const auto* outputs = member(hardware, "outputs");
    if (const auto* relay = member(outputs, "relay"))
        found.relay = read_line(*relay, "hardware.outputs.relay", found.notes);
    if (const auto* after_run = member(outputs, "after_run"))
        found.after_run = read_line(*after_run, "hardware.outputs.after_run", found.notes);
}

std::size_t skip_space(std::string_view text, std::size_t at) {
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    return at;
}

// The text of `"key": {...}` (a line object has no nested braces), or empty.
std::string_view object_text(std::string_view text, std::string_view key) {
    const std::string quoted = "\"" + std::string(key) + "\"";
    for (auto at = text.find(quoted); at != std::string_view::npos;
         at = text.find(quoted, at + 1)) {
        auto colon = skip_space(text, at + quoted.size());
        if (colon >= text.size() || text[colon] != ':') continue;
        auto open = skip_space(text, colon + 1);
        if (open >= text.size() || text[open] != '{') continue;
        auto close = text.find('}', open);
        if (close == std::string_view::npos) return {};
        return text.substr(open, close - open + 1);
    }
    return {};
}

// A document that is not JSON at all: the line objects are looked for in the text.
void scan(std::string_view text, RelayLines& found) {
    for (auto at = text.find("\"kind\""); at != std::string_view::npos;
         at = text.find("\"kind\"", at + 1)) {
        auto colon = skip_space(text, at + 6);
        if (colon >= text.size() || text[colon] != ':') continue;
        auto value = skip_space(text, colon + 1);
        if (text.substr(value, 5) == "\"sim\"") {
            found.simulated = true;
            return;
        }
        break;
    }
    auto read = [&](std::string_view key, std::optional<GpioLine>& into) {
        auto object = object_text(text, key);
        if (object.empty()) return;
        const std::string path = "hardware.outputs." + std::string(key);
        auto parsed = parse_json(object, path, kMaxConfigBytes);
        if (!parsed)
            found.notes.push_back(path + ": cannot be read: " + parsed.error().message());
        else
            into = read_line(*parsed, path, found.notes);
    };
    read("relay", found.relay);
    read("after_run", found.after_run);
}

nlohmann::json line_json(const GpioLine& line) {
    nlohmann::json out = {{"chip", line.chip}, {"active_low", line.active_low}};
    if (line.offset)
        out["line"] = *line.offset;
    else
        out["line"] = line.name;
    return out;
}

}  // namespace

std::string driven_lines_record(const std::optional<GpioLine>& relay,
                                const std::optional<GpioLine>& after_run) {
    nlohmann::json outputs = nlohmann::json::object();
    if (relay) outputs["relay"] = line_json(*relay);
    if (after_run) outputs["after_run"] = line_json(*after_run);
    return nlohmann::json{{"hardware", {{"kind", "gpio"}, {"outputs", outputs}}}}.dump() + "\n";
}

RelayLines find_driven_lines(std::string_view record) {
    RelayLines found;
    auto document = parse_json(record, "the record", kMaxConfigBytes);
    if (!document) {
        found.notes.push_back(document.error().message());
        return found;
    }
    walk(*document, found);
    return found;
}

RelayLines find_relay_lines(std::string_view config_text) {
    RelayLines found;
    auto document = parse_json(config_text, "config", kMaxConfigBytes);
    if (!document) {
        found.notes.push_back(document.error().message() +
                              " (the relay's line is looked for in the text)");
        scan(config_text, found);
        return found;
    }
    auto config = parse_gate_config(*document);
    if (config) {
        found.simulated = config->hardware.kind == HardwareKind::Sim;
        found.relay = config->hardware.relay;
        found.after_run = config->hardware.after_run;
        return found;
    }
    for (const auto& e : config.error()) found.notes.push_back(e.message());
    walk(*document, found);
    return found;
}

}  // namespace fabgate::gpio

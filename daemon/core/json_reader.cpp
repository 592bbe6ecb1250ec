#include "core/json_reader.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <set>

namespace fabgate {

Error JsonErrors::combined(std::string where) const {
    std::string text;
    for (const auto& e : errors_) {
        if (!text.empty()) text += "\n";
        text += e.message();
    }
    return {std::move(where), std::move(text)};
}

namespace {

std::string file_kind(std::filesystem::file_type type) {
    switch (type) {
        case std::filesystem::file_type::fifo:
            return "a FIFO";
        case std::filesystem::file_type::character:
            return "a character device";
        case std::filesystem::file_type::block:
            return "a block device";
        case std::filesystem::file_type::socket:
            return "a socket";
        default:
            return "of an unknown kind";
    }
}

}  // namespace

Result<std::string> read_text_file(const std::string& path) {
    // Opening a FIFO waits for a writer and a device may never end or answer (a serial port, a
    // terminal): neither is opened. A directory is said below, after it fails to read.
    std::error_code ec;
    auto type = std::filesystem::status(path, ec).type();
    if (!ec && type != std::filesystem::file_type::regular &&
        type != std::filesystem::file_type::directory)
        return fail(path, "is not a regular file (" + file_kind(type) +
                              "); refusing to read it (is it the right file?)");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(path, "cannot be opened");
    // Bounded: a wrong path (a disk image) must be refused, not read until memory runs out. The cap
    // is above every config's own limit, which then names the exact size.
    std::string text;
    std::array<char, 64 * 1024> chunk{};
    while (text.size() <= kMaxTextFileBytes &&
           in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())).gcount() > 0)
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (in.bad()) {
        // A directory opens, then fails at the first read: said plainly, not as "not JSON".
        return fail(path, std::filesystem::is_directory(path, ec) ? "is a directory, not a file"
                                                                  : "cannot be read");
    }
    if (text.size() > kMaxTextFileBytes)
        return fail(path, "is more than " + std::to_string(kMaxTextFileBytes) +
                              " bytes; refusing to read it (is it the right file?)");
    return text;
}

Result<nlohmann::json> parse_json(std::string_view text, std::string_view where,
                                  std::size_t max_bytes) {
    if (text.size() > max_bytes)
        return fail(std::string(where), "is " + std::to_string(text.size()) +
                                            " bytes, more than the limit of " +
                                            std::to_string(max_bytes));
    auto value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return fail(std::string(where), "is not valid JSON");
    return value;
}

namespace {

// A SAX reader that stops at the first key an object already has, knowing its path, or at
// the first syntax error, knowing where it is.
class RepeatedKeyFinder {
  public:
    using json = nlohmann::json;
    bool null() { return element(); }
    bool boolean(bool) { return element(); }
    bool number_integer(json::number_integer_t) { return element(); }
    bool number_unsigned(json::number_unsigned_t) { return element(); }
    bool number_float(json::number_float_t, const json::string_t&) { return element(); }
    bool string(json::string_t&) { return element(); }
    bool binary(json::binary_t&) { return element(); }
    bool start_object(std::size_t) { return open(false); }
    bool start_array(std::size_t) { return open(true); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(json::string_t& name) {
        auto& frame = frames_.back();
        frame.last_key = name;
        if (frame.keys.insert(name).second) return true;
        repeated_ = join(frame.path, name);
        return false;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
        // "[json.exception.parse_error.101] parse error at line 4, column 3: syntax error..."
        std::string what = e.what();
        auto at = what.find(" at line ");
        syntax_error_ = at == std::string::npos ? what : what.substr(at + 4);
        return false;
    }
    const std::optional<std::string>& repeated() const { return repeated_; }
    const std::optional<std::string>& syntax_error() const { return syntax_error_; }

  private:
    struct Frame {
        std::string path;
        bool array = false;
        std::size_t next_index = 0;
        std::string last_key;
        std::set<std::string> keys;
    };
    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }
    // The path of the value starting now, counting it if it is an array's element.
    std::string value_path() {
        if (frames_.empty()) return "";
        auto& frame = frames_.back();
        if (frame.array) return frame.path + "[" + std::to_string(frame.next_index++) + "]";
        return join(frame.path, frame.last_key);
    }
    bool element() {
        if (!frames_.empty() && frames_.back().array) ++frames_.back().next_index;
        return true;
    }
    bool open(bool array) {
        Frame frame;
        frame.path = value_path();
        frame.array = array;
        frames_.push_back(std::move(frame));
        return true;
    }
    bool close() {
        frames_.pop_back();
        return true;
    }
    std::vector<Frame> frames_;
    std::optional<std::string> repeated_;
    std::optional<std::string> syntax_error_;
};

}  // namespace

std::optional<Error> find_repeated_key(std::string_view text) {
    RepeatedKeyFinder finder;
    (void)nlohmann::json::sax_parse(text, &finder);
    if (!finder.repeated()) return std::nullopt;
    return Error{*finder.repeated(), "is given twice; keep one"};
}

Result<nlohmann::json> parse_config_json(std::string_view text, std::size_t max_bytes) {
    auto doc = parse_json(text, "config", max_bytes);
    if (doc || text.size() > max_bytes) return doc;
    RepeatedKeyFinder finder;
    (void)nlohmann::json::sax_parse(text, &finder);
    if (!finder.syntax_error()) return doc;
    return fail("config", "is not valid JSON: " + *finder.syntax_error());
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path, JsonErrors& errors)
    : path_(std::move(path)), errors_(errors) {
    if (value.is_object())
        object_ = &value;
    else
        errors_.add(path_.empty() ? "document" : path_, "must be a JSON object");
}

std::string ObjectReader::path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

bool ObjectReader::has(const std::string& key) const {
    return object_ && object_->contains(key);
}

const nlohmann::json* ObjectReader::find(const std::string& key, bool required) {
    if (!object_) return nullptr;
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) read_.push_back(key);
    auto it = object_->find(key);
    if (it == object_->end() || it->is_null()) {
        if (required) errors_.add(path(key), "is required");
        return nullptr;
    }
    return &*it;
}

const nlohmann::json* ObjectReader::child(const std::string& key) {
    return find(key, false);
}

std::optional<std::string> ObjectReader::string(const std::string& key, bool required) {
    const auto* v = find(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        errors_.add(path(key), "must be a string");
        return std::nullopt;
    }
    return v->get<std::string>();
}

std::optional<std::int64_t> ObjectReader::integer(const std::string& key, std::int64_t min,
                                                  std::int64_t max, bool required) {
    const auto* v = find(key, required);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) {
        errors_.add(path(key), "must be a whole number from " + std::to_string(min) + " to " +
                                   std::to_string(max));
        return std::nullopt;
    }
    // Unsigned values above INT64_MAX are out of any range we accept.
    if (v->is_number_unsigned() &&
        v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        errors_.add(path(key),
                    "must be from " + std::to_string(min) + " to " + std::to_string(max));
        return std::nullopt;
    }
    auto n = v->get<std::int64_t>();
    if (n < min || n > max) {
        errors_.add(path(key), "is " + std::to_string(n) + ", must be from " + std::to_string(min) +
                                   " to " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> ObjectReader::boolean(const std::string& key, bool required) {
    const auto* v = find(key, required);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
        errors_.add(path(key), "must be true or false");
        return std::nullopt;
    }
    return v->get<bool>();
}

std::optional<std::string> ObjectReader::choice(const std::string& key,
                                                const std::vector<std::string>& choices,
                                                bool required) {
    auto s = string(key, required);
    if (!s) return std::nullopt;
    for (const auto& c : choices)
        if (c == *s) return s;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    errors_.add(path(key), "is '" + *s + "', must be one of: " + list);
    return std::nullopt;
}

void ObjectReader::reject_unknown_keys() {
    if (!object_) return;
    for (const auto& [key, value] : object_->items())
        if (std::find(read_.begin(), read_.end(), key) == read_.end())
            errors_.add(path(key), "is not a known setting");
}

void read_log_level(ObjectReader& root, std::string& level) {
    level =
        root.choice("log_level", {"error", "warning", "notice", "info", "debug"}).value_or(level);
}

}  // namespace fabgate

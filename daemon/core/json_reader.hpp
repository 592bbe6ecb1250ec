#pragma once
// Strict reading of JSON objects: every problem is collected with the path of the field it
// concerns ("hardware.outputs.relay.line"), and keys nobody read are reported as unknown.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace fabgate {

class JsonErrors {
  public:
    void add(std::string where, std::string what) {
        errors_.push_back({std::move(where), std::move(what)});
    }
    bool empty() const { return errors_.empty(); }
    const std::vector<Error>& all() const { return errors_; }
    // All problems on one line each, for a single Error.
    Error combined(std::string where) const;

  private:
    std::vector<Error> errors_;
};

// Parses text as JSON, refusing documents larger than max_bytes.
Result<nlohmann::json> parse_json(std::string_view text, std::string_view where,
                                  std::size_t max_bytes);

// The whole file as text, if it is a regular file of at most kMaxTextFileBytes; the error names
// the file. A FIFO or a device is refused without being opened.
inline constexpr std::size_t kMaxTextFileBytes = 16 << 20;
Result<std::string> read_text_file(const std::string& path);

// Reads a config file and parses it with `load_text`, prefixing every error with the file name,
// so "policy.idle_timeout_s: ..." becomes "/etc/fabgate/gate.json: policy.idle_timeout_s: ...".
template <class Config, class LoadText>
tl::expected<Config, std::vector<Error>> load_config_file(const std::string& path,
                                                          LoadText&& load_text) {
    auto text = read_text_file(path);
    if (!text) return tl::unexpected(std::vector<Error>{text.error()});
    tl::expected<Config, std::vector<Error>> config = load_text(*text);
    if (!config) {
        auto errors = config.error();
        for (auto& e : errors) e.where = path + ": " + e.where;
        return tl::unexpected(errors);
    }
    return config;
}

class ObjectReader;

// The first key given twice in one object of `text` (valid JSON), named by its path
// ("policy.idle_timeout_s"). JSON readers keep the last one silently.
std::optional<Error> find_repeated_key(std::string_view text);

// Like parse_json, but a syntax error names the line and column where the text stops being
// JSON: a config file is edited by hand, and "is not valid JSON" alone does not say where.
Result<nlohmann::json> parse_config_json(std::string_view text, std::size_t max_bytes);

// A config file's text (at most `max_bytes`) parsed as JSON and read by `parse`, which returns
// the config or every problem it found: the text half of each program's config loader.
template <class Config, class Parse>
tl::expected<Config, std::vector<Error>> load_config_text(std::string_view text,
                                                          std::size_t max_bytes, Parse&& parse) {
    auto doc = parse_config_json(text, max_bytes);
    if (!doc) return tl::unexpected(std::vector<Error>{doc.error()});
    if (auto repeated = find_repeated_key(text))
        return tl::unexpected(std::vector<Error>{*repeated});
    return parse(*doc);
}

// The end of reading a config's top object: keys nobody read are problems too, and the config
// is returned only if nothing was found wrong.
template <class Config>
tl::expected<Config, std::vector<Error>> config_unless_errors(ObjectReader& root,
                                                              const JsonErrors& errors,
                                                              Config config);

class ObjectReader {
  public:
    // `value` must outlive the reader. If it is not an object, that is recorded once.
    ObjectReader(const nlohmann::json& value, std::string path, JsonErrors& errors);
    ~ObjectReader() = default;
    ObjectReader(const ObjectReader&) = delete;
    ObjectReader& operator=(const ObjectReader&) = delete;

    bool valid() const { return object_ != nullptr; }
    bool has(const std::string& key) const;
    std::string path(const std::string& key) const;
    const nlohmann::json* child(const std::string& key);  // marks the key read; nullptr if absent

    std::optional<std::string> string(const std::string& key, bool required = false);
    std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max,
                                        bool required = false);
    std::optional<bool> boolean(const std::string& key, bool required = false);
    // One of `choices`; the error lists them.
    std::optional<std::string> choice(const std::string& key,
                                      const std::vector<std::string>& choices,
                                      bool required = false);

    std::string string_or(const std::string& key, std::string fallback) {
        return string(key).value_or(std::move(fallback));
    }
    std::int64_t integer_or(const std::string& key, std::int64_t min, std::int64_t max,
                            std::int64_t fallback) {
        return integer(key, min, max).value_or(fallback);
    }
    bool boolean_or(const std::string& key, bool fallback) {
        return boolean(key).value_or(fallback);
    }

    // Reports keys that were never read. Call once after reading every field.
    void reject_unknown_keys();

  private:
    const nlohmann::json* find(const std::string& key, bool required);
    const nlohmann::json* object_ = nullptr;
    std::string path_;
    JsonErrors& errors_;
    // A handful of keys per object: a vector beats a set's node allocations (100k-entry lists).
    std::vector<std::string> read_;
};

// A daemon's "log_level" setting: the levels its log can be cut at. `level` holds the default
// and keeps it when the key is absent.
void read_log_level(ObjectReader& root, std::string& level);

template <class Config>
tl::expected<Config, std::vector<Error>> config_unless_errors(ObjectReader& root,
                                                              const JsonErrors& errors,
                                                              Config config) {
    root.reject_unknown_keys();
    if (!errors.empty()) return tl::unexpected(errors.all());
    return config;
}

}  // namespace fabgate

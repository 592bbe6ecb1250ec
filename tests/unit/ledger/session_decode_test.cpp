// The ledger decodes each session on a plain path that builds no JSON document, and hands
// everything else to the full reader. Whatever a gate (or anyone with its login) sends, the
// ledger must store, refuse and word its refusal exactly as the full reader alone would.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../core/sample_session.hpp"
#include "core/messages.hpp"

using namespace fabgate;

namespace {

SessionRecord session() {
    return test::sample_session();
}

// Payloads near a valid one: every byte deleted, doubled or replaced by a character that
// matters to JSON, the session's rules or the plain path's limits.
std::vector<std::string> byte_mutations(const std::string& valid) {
    const std::string replacements = std::string("\"\\ 0-.e},:x1n") + '\x01' + '\xc3';
    std::vector<std::string> out;
    for (std::size_t n = 0; n < valid.size(); ++n) {
        out.push_back(valid.substr(0, n) + valid.substr(n + 1));
        out.push_back(valid.substr(0, n + 1) + valid.substr(n));
        for (char c : replacements) {
            if (c == valid[n]) continue;
            auto changed = valid;
            changed[n] = c;
            out.push_back(changed);
        }
    }
    return out;
}

// Replaces the value of `key` in the payload (its text up to the next ',' or '}').
std::string with_value(const std::string& valid, const std::string& key, const std::string& text) {
    auto at = valid.find("\"" + key + "\":");
    REQUIRE(at != std::string::npos);
    auto start = at + key.size() + 3;
    auto end = valid.find_first_of(",}", valid[start] == '"' ? valid.find('"', start + 1) : start);
    return valid.substr(0, start) + text + valid.substr(end);
}

std::vector<std::string> field_mutations(const std::string& valid) {
    std::vector<std::string> out;
    const char* keys[] = {"v",          "type",       "id",           "site",
                          "machine",    "uid",        "member",       "role",
                          "started_at", "ended_at",   "clock_synced", "powered_ms",
                          "active_ms",  "end_reason", "ended_by"};
    const char* values[] = {"null",
                            "true",
                            "0",
                            "-1",
                            "1.5",
                            "1e3",
                            "\"\"",
                            "\"x\"",
                            "\"l\\u0061b\"",
                            "[]",
                            "{}",
                            "99999999999999999999",
                            "\"04:a1:b2:c3\"",
                            "\"user\"",
                            "\"none\"",
                            "\"fault\"",
                            "\"session\""};
    for (const char* key : keys)
        for (const char* value : values) out.push_back(with_value(valid, key, value));
    out.push_back(valid.substr(0, valid.size() - 1) + ",\"extra\":1}");
    out.push_back(valid.substr(0, valid.size() - 1) + ",\"id\":\"other\"}");
    out.push_back(" \n\t{ " + valid.substr(1) + " \r\n");
    out.push_back(valid + "{}");
    out.push_back("[" + valid + "]");
    out.push_back("{}");
    out.push_back("");
    return out;
}

}  // namespace

TEST_CASE("a session as gates send it takes the plain path, and decodes as the reader does") {
    auto s = session();
    for (int variant = 0; variant < 4; ++variant) {
        CAPTURE(variant);
        if (variant == 1) s.active_ms.reset();
        if (variant == 2) s.ended_by.clear();
        if (variant == 3) s.member.clear();
        auto payload = encode(s);
        auto plain = detail::decode_plain_session(payload);
        REQUIRE(plain);
        auto reader = detail::decode_session_with_reader(payload);
        REQUIRE(reader);
        CHECK(encode(*plain) == encode(*reader));
        CHECK(encode(*plain) == payload);
    }
}

TEST_CASE("any payload near a session gets the same record or the same refusal on both paths") {
    const std::string valid = encode(session());
    auto payloads = byte_mutations(valid);
    for (auto& p : field_mutations(valid)) payloads.push_back(std::move(p));
    int plain_taken = 0, refused = 0;
    for (const auto& payload : payloads) {
        auto reader = detail::decode_session_with_reader(payload);
        auto plain = detail::decode_plain_session(payload);
        auto decoded = decode_session(payload);
        CAPTURE(payload);
        REQUIRE(decoded.has_value() == reader.has_value());
        if (reader) {
            CHECK(encode(*decoded) == encode(*reader));
        } else {
            const std::string got = decoded.error().message();
            const std::string expected = reader.error().message();
            CHECK(got == expected);
            ++refused;
        }
        if (plain) {
            ++plain_taken;
            REQUIRE(reader.has_value());
            CHECK(encode(*plain) == encode(*reader));
        }
    }
    // Both kinds were exercised: many payloads took the plain path, many were refused.
    CHECK(plain_taken > 50);
    CHECK(refused > 1000);
}

#include "core/acl_prescan.hpp"

#include <string>

namespace fabgate {

// One pass over the raw bytes, allocating nothing, before the JSON parser sees them: its lexer
// buffers a whole string or number (twice, for error messages) before anyone can look at its
// length, so an over-long token is refused here instead. Nesting is bounded here too.
Status prescan_access_list_body(std::string_view body, const AclParseLimits& limits) {
    // Raw bytes a string of max_string_bytes can take on the wire (\uXXXX escapes).
    const std::size_t max_raw_string = limits.max_string_bytes * 6;
    constexpr std::size_t kMaxLiteral = 32;  // numbers, true, false, null
    constexpr int kMaxDepth = 3;             // root, entries, one entry (or maintenance)
    bool in_string = false, escaped = false;
    std::size_t run = 0;
    int depth = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            if (in_string && ++run > max_raw_string)
                return fail("acl", "a string at byte " + std::to_string(i - run + 1) +
                                       " is longer than " +
                                       std::to_string(limits.max_string_bytes) + " bytes");
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                run = 0;
                break;
            case '{':
            case '[':
                if (++depth > kMaxDepth)
                    return fail("acl", "nesting deeper than the format's " +
                                           std::to_string(kMaxDepth) + " levels at byte " +
                                           std::to_string(i));
                run = 0;
                break;
            case '}':
            case ']':
                --depth;
                run = 0;
                break;
            case ',':
            case ':':
            case ' ':
            case '\t':
            case '\n':
            case '\r':
                run = 0;
                break;
            default:
                if (++run > kMaxLiteral)
                    return fail("acl", "a value at byte " + std::to_string(i - run + 1) +
                                           " is longer than " + std::to_string(kMaxLiteral) +
                                           " characters");
        }
    }
    return {};
}

}  // namespace fabgate

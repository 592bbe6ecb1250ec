// What a manager types into fabctl: money, durations, times, currencies. Every accepted text must
// mean what its printed form means (parse(format(x)) == x), and stay inside the documented range.
#include <cstdint>
#include <string>
#include <string_view>

#include "ctl/parse.hpp"

using namespace fabgate::ctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {
            auto minor = parse_money(text, 2);
            if (!minor) break;
            if (*minor < 0 || *minor > 1'000'000'000'000LL * 100) __builtin_trap();
            auto again = parse_money(format_amount(*minor, "EUR"), 2);
            if (!again || *again != *minor) __builtin_trap();
            break;
        }
        case 1: {
            auto seconds = parse_duration_s(text);
            if (!seconds) break;
            if (*seconds < 0 || *seconds > 11LL * 366 * 24 * 3600) __builtin_trap();
            auto again = parse_duration_s(format_duration_s(*seconds));
            if (!again || *again != *seconds) __builtin_trap();
            break;
        }
        case 2: {
            auto t = parse_time(text);
            if (!t) break;
            auto again = parse_time(format_iso(*t));
            if (!again || *again != *t) __builtin_trap();
            break;
        }
        case 3: {
            auto code = parse_currency(text);
            if (!code) break;
            if (code->size() != 3) __builtin_trap();
            for (char c : *code)
                if (c < 'A' || c > 'Z') __builtin_trap();
            break;
        }
    }
    return 0;
}

#pragma once
// Text joined at compile time from named pieces, for constants that must stay a string_view
// (a migration's SQL) yet share a piece with another constant instead of repeating it.
#include <array>
#include <cstddef>
#include <string_view>

namespace fabgate {

namespace concat_detail {

template <const std::string_view&... Parts>
struct Joined {
    static constexpr auto chars = [] {
        std::array<char, (Parts.size() + ... + 0)> out{};
        std::size_t at = 0;
        for (std::string_view part : {Parts...})
            for (char c : part) out[at++] = c;
        return out;
    }();
};

}  // namespace concat_detail

// The parts one after the other, with nothing added between them.
template <const std::string_view&... Parts>
inline constexpr std::string_view kConcat{concat_detail::Joined<Parts...>::chars.data(),
                                          concat_detail::Joined<Parts...>::chars.size()};

}  // namespace fabgate

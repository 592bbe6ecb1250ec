#pragma once
// The one table that spells an enum's values on the wire, in the database and in messages:
// to_string and *_from_string read the same entries, so the two directions cannot disagree.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabgate {

template <class Enum, std::size_t N>
struct EnumNames {
    struct Entry {
        Enum value;
        std::string_view name;
    };
    Entry entries[N];

    // `fallback` names a value outside the table (a cast integer): never a valid name.
    constexpr std::string_view name_of(Enum value, std::string_view fallback) const {
        for (const auto& e : entries)
            if (e.value == value) return e.name;
        return fallback;
    }

    constexpr std::optional<Enum> value_of(std::string_view name) const {
        for (const auto& e : entries)
            if (e.name == name) return e.value;
        return std::nullopt;
    }

    // Every name, in the table's order: the choices a reader offers.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries) out.emplace_back(e.name);
        return out;
    }
};

}  // namespace fabgate

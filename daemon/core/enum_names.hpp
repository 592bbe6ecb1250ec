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

    // Whether the table names each enumerator exactly once. `listed` is a switch with a case
    // for every enumerator and no default, kept beside the table: adding an enumerator makes
    // -Wswitch (an error) point at that switch, and naming it there without a table entry
    // fails the static_assert that calls this. (A lookup table alone would compile, and the
    // new value would go out as the fallback name.) Enumerators must lie in 0..kProbe-1.
    static constexpr int kProbe = 256;
    constexpr bool covers(bool (*listed)(Enum)) const {
        std::size_t enumerators = 0;
        for (int i = 0; i < kProbe; ++i) {
            auto value = static_cast<Enum>(i);
            if (!listed(value)) continue;
            ++enumerators;
            std::size_t named = 0;
            for (const auto& e : entries) named += e.value == value ? 1 : 0;
            if (named != 1) return false;
        }
        return enumerators == N;
    }

    // Every name, in the table's order: the choices a reader offers.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries) out.emplace_back(e.name);
        return out;
    }
};

}  // namespace fabgate

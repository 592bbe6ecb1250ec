#pragma once
// The one table that spells an enum's values on the wire, in the database and in messages:
// to_string and *_from_string read the same entries, so the two directions cannot disagree.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fabgate {

namespace enum_names_detail {

// Enumerators must lie in 0..kProbe-1 (every table's enum counts up from 0).
inline constexpr int kProbe = 256;

constexpr bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Whether `V` is one of Enum's enumerators. GCC and clang end this function's signature with
// its template arguments, spelling one that names an enumerator by that name
// ("V = fabgate::Role::User]") and any other value as a cast ("V = (fabgate::Role)7]"): the one
// place C++20 lets a program ask the compiler which values an enum declares, without a
// hand-kept list beside each enum. The last word of the argument tells them apart.
template <class Enum, Enum V>
constexpr bool names_an_enumerator() {
    std::string_view signature = __PRETTY_FUNCTION__;
    auto end = signature.rfind(']');
    if (end == std::string_view::npos) return false;
    auto word = end;
    while (word > 0 && is_word_char(signature[word - 1])) --word;
    return word < end && !(signature[word] >= '0' && signature[word] <= '9');
}

// Should a compiler spell these differently, every table's check would fail; this one says why.
enum class ProbeSample { First, Third = 2 };
static_assert(names_an_enumerator<ProbeSample, ProbeSample::First>() &&
                  !names_an_enumerator<ProbeSample, static_cast<ProbeSample>(1)>() &&
                  names_an_enumerator<ProbeSample, ProbeSample::Third>(),
              "this compiler does not name enumerators in __PRETTY_FUNCTION__ as GCC and clang do");

using Enumerators = std::array<bool, kProbe>;  // whether each value in 0..kProbe-1 is one

template <class Enum, int... Value>
constexpr Enumerators probe(std::integer_sequence<int, Value...>) {
    return {names_an_enumerator<Enum, static_cast<Enum>(Value)>()...};
}

template <class Enum>
inline constexpr Enumerators kEnumeratorsOf =
    probe<Enum>(std::make_integer_sequence<int, kProbe>{});

}  // namespace enum_names_detail

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

    // Whether the table names each enumerator exactly once. The compiler says which values are
    // enumerators (see names_an_enumerator), so adding one fails the static_assert that calls
    // this until the table names it: a lookup table alone would compile, and the new value
    // would go out as the fallback name.
    constexpr bool covers() const {
        return names_each_once(enum_names_detail::kEnumeratorsOf<Enum>);
    }

    // Every name, in the table's order: the choices a reader offers.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries) out.emplace_back(e.name);
        return out;
    }

  private:
    constexpr bool names_each_once(const enum_names_detail::Enumerators& is_enumerator) const {
        std::size_t enumerators = 0;
        for (int i = 0; i < enum_names_detail::kProbe; ++i) {
            if (!is_enumerator[i]) continue;
            ++enumerators;
            std::size_t named = 0;
            for (const auto& e : entries) named += e.value == static_cast<Enum>(i) ? 1 : 0;
            if (named != 1) return false;
        }
        return enumerators == N;
    }
};

}  // namespace fabgate

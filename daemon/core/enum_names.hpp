#pragma once
// The one table that spells an enum's values on the wire, in the database and in messages:
// to_string and from_string read the same entries, so the two directions cannot disagree.
#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
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

// One spelling of one value.
template <class Enum>
struct EnumName {
    Enum value;
    std::string_view name;
};

// A table as a header sees it: its entries, wherever they are kept, and the name a value
// outside it (a cast integer) goes out as. The per-enum hook returns this, so a header can
// declare the hook without knowing, or probing, the table behind it.
template <class Enum>
class EnumNameTable {
  public:
    constexpr EnumNameTable(std::span<const EnumName<Enum>> entries, std::string_view fallback)
        : entries_(entries), fallback_(fallback) {}

    constexpr std::string_view name_of(Enum value) const {
        for (const auto& e : entries_)
            if (e.value == value) return e.name;
        return fallback_;
    }

    constexpr std::optional<Enum> value_of(std::string_view name) const {
        for (const auto& e : entries_)
            if (e.name == name) return e.value;
        return std::nullopt;
    }

    // Every name, in the table's order: the choices a reader offers.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries_) out.emplace_back(e.name);
        return out;
    }

  private:
    std::span<const EnumName<Enum>> entries_;
    std::string_view fallback_;
};

namespace enum_names_detail {
// Never defined, never constexpr: a table whose construction reaches this call stops the build,
// and the compiler's message names this function.
void table_does_not_name_every_enumerator_exactly_once();
}  // namespace enum_names_detail

// Whether `entries` names each enumerator exactly once. The compiler says which values are
// enumerators (see names_an_enumerator): a lookup table alone would compile after a new
// enumerator is added, and the new value would go out as the fallback name.
template <class Enum>
constexpr bool names_every_enumerator_once(std::span<const EnumName<Enum>> entries) {
    const auto& is_enumerator = enum_names_detail::kEnumeratorsOf<Enum>;
    std::size_t enumerators = 0;
    for (int i = 0; i < enum_names_detail::kProbe; ++i) {
        if (!is_enumerator[i]) continue;
        ++enumerators;
        std::size_t named = 0;
        for (const auto& e : entries) named += e.value == static_cast<Enum>(i) ? 1 : 0;
        if (named != 1) return false;
    }
    return enumerators == entries.size();
}

// A table's entries, kept in the .cpp that defines the enum's hook. Construction is checked at
// compile time: a table that does not name every enumerator exactly once does not compile.
// Probing the enum is costly, which is why tables stay out of headers.
template <class Enum, std::size_t N>
class EnumNames {
  public:
    consteval EnumNames(const EnumName<Enum> (&entries)[N]) : EnumNames(std::to_array(entries)) {}
    consteval explicit EnumNames(const std::array<EnumName<Enum>, N>& entries) : entries_(entries) {
        if (!names_every_enumerator_once<Enum>(entries_))
            enum_names_detail::table_does_not_name_every_enumerator_exactly_once();
    }

    // `fallback` is what a value outside the table (a cast integer) goes out as: "unknown", or
    // the safest of the table's own names (a role read back as "none" grants nothing).
    constexpr EnumNameTable<Enum> table(std::string_view fallback) const {
        return {entries_, fallback};
    }

  private:
    std::array<EnumName<Enum>, N> entries_;
};

// An enum has names when its namespace declares the hook `EnumNameTable<E> enum_names(E)`,
// found by argument-dependent lookup; the .cpp that defines it keeps the checked EnumNames.
template <class Enum>
concept NamedEnum = std::is_enum_v<Enum> && requires(Enum value) {
    { enum_names(value) } -> std::same_as<EnumNameTable<Enum>>;
};

// Enums declared in a nested namespace bring this in with `using fabgate::to_string;`, since
// argument-dependent lookup only searches the enum's own namespace.
template <NamedEnum Enum>
std::string_view to_string(Enum value) {
    return enum_names(value).name_of(value);
}

// The value a name stands for; nullopt for any other text ("unknown" included).
template <NamedEnum Enum>
std::optional<Enum> from_string(std::string_view name) {
    return enum_names(Enum{}).value_of(name);
}

}  // namespace fabgate

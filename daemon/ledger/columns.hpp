#pragma once
// Reading a result row into a struct's fields in the order its SELECT names the columns, so no
// reader numbers its columns by hand: each field is read by its type.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/sqlite.hpp"

namespace fabgate::ledger::detail {

// A column holding an enum's stored name; a name the enum does not know reads as `fallback`.
template <class Enum>
struct NamedColumn {
    Enum& out;
    std::optional<Enum> (*from_string)(std::string_view);
    Enum fallback;
};

template <class Enum>
NamedColumn<Enum> named(Enum& out, std::optional<Enum> (*from_string)(std::string_view),
                        Enum fallback) {
    return {out, from_string, fallback};
}

inline void read_column(const db::Statement& st, int column, std::string& out) {
    out = st.text(column);
}
inline void read_column(const db::Statement& st, int column, std::optional<std::string>& out) {
    out = st.optional_text(column);
}
inline void read_column(const db::Statement& st, int column, std::int64_t& out) {
    out = st.int64(column);
}
inline void read_column(const db::Statement& st, int column, std::optional<std::int64_t>& out) {
    out = st.optional_int64(column);
}
inline void read_column(const db::Statement& st, int column, bool& out) {
    out = st.int64(column) != 0;
}
template <class Enum>
void read_column(const db::Statement& st, int column, NamedColumn<Enum> field) {
    field.out = field.from_string(st.text(column)).value_or(field.fallback);
}

// Reads the columns from `first` on into `fields`, one column each, in order.
template <class... Fields>
void read_columns(const db::Statement& st, int first, Fields&&... fields) {
    int column = first;
    (read_column(st, column++, std::forward<Fields>(fields)), ...);
}

}  // namespace fabgate::ledger::detail

#pragma once
// Reading a million rows with their values in place: a function SQLite calls from inside its
// loop gets each row as sqlite3_value pointers, without an API call per column through
// db::Statement (each with the statement's checks: a fifth of the batch export's instructions,
// docs/ledger-schema.md, "Performance").
#include <sqlite3.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string_view>

#include "core/result.hpp"
#include "ledger/db_util.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger::detail {

// A text argument in place; NULL reads as empty, as db::Statement::text_view has it.
inline std::string_view text_of(sqlite3_value* value) {
    const auto* text = sqlite3_value_text(value);
    return text ? std::string_view(reinterpret_cast<const char*>(text),
                                   static_cast<std::size_t>(sqlite3_value_bytes(value)))
                : std::string_view();
}

inline std::int64_t int64_of(sqlite3_value* value) {
    return sqlite3_value_int64(value);
}

inline bool is_null(sqlite3_value* value) {
    return sqlite3_value_type(value) == SQLITE_NULL;
}

// Runs `body` inside a function SQLite calls: nothing may unwind through SQLite's C frames, so an
// exception becomes the function's error, which ends the statement with it.
template <class Body>
void without_unwinding(sqlite3_context* context, Body&& body) {
    try {
        body();
    } catch (const std::bad_alloc&) {
        sqlite3_result_error_nomem(context);
    } catch (const std::exception& e) {
        sqlite3_result_error(context, e.what(), -1);
    }
}

// What a function registered by read_rows_in_place reads into: set only while its read runs.
struct InPlaceReader {
    void* reader = nullptr;
};

// Runs `sql`, in which `function(...)` of `arguments` values stands for each row's columns, and
// hands each row's values to `reader.add(values)`. The function exists on the connection for
// this call only (removing it expires the connection's prepared statements, which SQLite
// prepares again at their next step); should the removal fail (another statement of the
// connection still running), a later call finds no reader and fails. Only the ledger's own SQL
// can call it (SQLITE_DIRECTONLY), not a view or trigger of the file.
template <class Reader, class Bind>
Status read_rows_in_place(db::Database& db, const char* function, int arguments,
                          std::string_view sql, Bind&& bind, Reader& reader) {
    auto read_row = [](sqlite3_context* context, int, sqlite3_value** values) {
        auto* target = static_cast<InPlaceReader*>(sqlite3_user_data(context))->reader;
        if (!target) return sqlite3_result_error(context, "called outside its read", -1);
        without_unwinding(context, [&] { static_cast<Reader*>(target)->add(values); });
    };
    auto owned = std::make_unique<InPlaceReader>();
    auto* slot = owned.get();
    // The connection owns the slot from here; SQLite frees it also when the registration fails.
    if (sqlite3_create_function_v2(
            db.handle(), function, arguments, SQLITE_UTF8 | SQLITE_DIRECTONLY, owned.release(),
            +read_row, nullptr, nullptr,
            [](void* registered) { delete static_cast<InPlaceReader*>(registered); }) != SQLITE_OK)
        return fail(db.path(), std::string("cannot register ") + function + ": " +
                                   sqlite3_errmsg(db.handle()));
    Status read;
    {
        // Cleared however the read ends, before the removal may free the slot.
        struct Reading {
            InPlaceReader& slot;
            ~Reading() { slot.reader = nullptr; }
        } reading{*slot};
        slot->reader = &reader;
        read = for_each_row(db, sql, bind, [](const db::Statement&) {});
    }
    sqlite3_create_function_v2(db.handle(), function, arguments, SQLITE_UTF8, nullptr, nullptr,
                               nullptr, nullptr, nullptr);
    return read;
}

}  // namespace fabgate::ledger::detail

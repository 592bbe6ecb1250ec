#pragma once
// Small helpers shared by the ledger's parts.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/enum_names.hpp"
#include "core/result.hpp"
#include "store/sqlite.hpp"
#include "sys/hex.hpp"

namespace fabgate::ledger::detail {

// FNV-1a 64: tells accidental differences apart (duplicates vs conflicts, list changes). Not a
// security hash: a collision could only make a conflict look like a duplicate, and the stored
// row is kept either way. Fed piece by piece, it hashes as the pieces joined would.
class Fnv1a64 {
  public:
    Fnv1a64& add(std::string_view data) {
        for (unsigned char c : data) {
            h_ ^= c;
            h_ *= 1099511628211ULL;
        }
        return *this;
    }
    std::uint64_t value() const { return h_; }
    std::string hex() const {
        std::uint64_t h = h_;
        std::array<std::uint8_t, 8> big_endian{};
        for (auto byte = big_endian.rbegin(); byte != big_endian.rend(); ++byte, h >>= 8)
            *byte = static_cast<std::uint8_t>(h);
        return to_hex(big_endian);
    }

  private:
    std::uint64_t h_ = 14695981039346656037ULL;
};

inline std::string fnv1a_hex(std::string_view data) {
    return Fnv1a64().add(data).hex();
}

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back on any failure.
template <class F>
auto in_transaction(db::Database& db, F&& body) -> decltype(body()) {
    db::Transaction tx(db);
    TRY(tx.begin());
    auto result = body();
    if (!result) return result;
    TRY(tx.commit());
    return result;
}

// Prepares `sql`, lets `bind` fill parameters, and calls `read` for every row.
template <class Bind, class Read>
Status for_each_row(db::Database& db, std::string_view sql, Bind&& bind, Read&& read) {
    TRY_ASSIGN(auto st, db.prepare(sql));
    bind(st);
    while (true) {
        TRY_ASSIGN(bool row, st.step());
        if (!row) break;
        read(st);
    }
    return {};
}

// The rows of `sql`, each made by `read`.
template <class Row, class Bind, class Read>
Result<std::vector<Row>> rows_of(db::Database& db, std::string_view sql, Bind&& bind, Read&& read) {
    std::vector<Row> out;
    TRY(for_each_row(db, sql, bind, [&](const db::Statement& st) { out.push_back(read(st)); }));
    return out;
}

// The first row of `sql` made by `read`, or none.
template <class Row, class Bind, class Read>
Result<std::optional<Row>> first_row(db::Database& db, std::string_view sql, Bind&& bind,
                                     Read&& read) {
    std::optional<Row> found;
    TRY(for_each_row(db, sql, bind, [&](const db::Statement& st) {
        if (!found) found = read(st);
    }));
    return found;
}

inline void no_parameters(db::Statement&) {}

// Binds `value` to ?index; an enum as its name, as the ledger stores every enum (read back with
// columns.hpp's named()).
template <class Value>
void bind_stored(db::Statement& st, int index, const Value& value) {
    if constexpr (NamedEnum<Value>)
        st.bind(index, fabgate::to_string(value));
    else
        st.bind(index, value);
}

// Binds `values` to ?1, ?2, ... in order.
template <class... Value>
void bind_in_order(db::Statement& st, const Value&... values) {
    int index = 0;
    (bind_stored(st, ++index, values), ...);
}

// A table a store reads by its key, whole, or by another condition, always through one SELECT
// and one row reader, so that a lookup and a listing cannot read a row differently.
template <class Row>
struct KeyedTable {
    std::string_view select;    // "SELECT <columns> FROM <table>"
    std::string_view key;       // "id = ?1": the key's columns, bound in order by find()
    std::string_view order_by;  // of all()
    Row (*read)(const db::Statement&);

    template <class... Key>
    Result<std::optional<Row>> find(db::Database& db, const Key&... key_values) const {
        return first_row<Row>(
            db, std::string(select) + " WHERE " + std::string(key),
            [&](db::Statement& st) { bind_in_order(st, key_values...); }, read);
    }

    Result<std::vector<Row>> all(db::Database& db) const {
        return rows_of<Row>(db, std::string(select) + " ORDER BY " + std::string(order_by),
                            no_parameters, read);
    }

    // The rows `condition` (a WHERE clause's body, and any ORDER BY) selects.
    template <class... Value>
    Result<std::vector<Row>> where(db::Database& db, std::string_view condition,
                                   const Value&... values) const {
        return rows_of<Row>(
            db, std::string(select) + " WHERE " + std::string(condition),
            [&](db::Statement& st) { bind_in_order(st, values...); }, read);
    }
};

// Hash for a map keyed by std::string that is looked up with a row's text in place
// (db::Statement::text_view), without making a string per row.
struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
        return std::hash<std::string_view>{}(text);
    }
};

template <class Bind>
Status run(db::Database& db, std::string_view sql, Bind&& bind) {
    TRY_ASSIGN(auto st, db.prepare(sql));
    bind(st);
    return st.run();
}

// Appends a hash-chained audit row (audit_log.cpp), with the Unix user of this process.
// Inside the caller's transaction if one is open, else in its own.
Status audit(db::Database& db, std::int64_t at, std::string_view actor, std::string_view action,
             std::string_view subject, std::string_view before_json, std::string_view after_json);

// Who runs this process: the name of getuid(), and SUDO_USER when it names someone else.
const std::string& unix_user();
std::string sha256_hex(std::string_view data);
// Hashes written on every new audit row; seal_audit_log gives them to rows that predate them.
std::string audit_content_hash(std::int64_t at, std::string_view actor, std::string_view os_user,
                               std::string_view action, std::string_view subject,
                               std::string_view before_json, std::string_view after_json);
std::string audit_row_hash(std::string_view prev_hash, std::int64_t id,
                           std::string_view content_hash);
Status seal_audit_log(db::Database& db);
// Counts one refused payload (or conflicting copy) of a machine; false once the machine is over
// kRefusedStoredPerMinute: keep only its hash and size.
Result<bool> count_refusal(db::Database& db, std::int64_t now, std::string_view site,
                           std::string_view machine);
// A valid session the ledger holds until the manager adds what it lacks (machine, member, tariff).
struct HeldSession {
    std::string_view site;
    std::string_view machine;
    std::int64_t powered_ms = 0;
    // What is kept to replay it: the session re-encoded, small because every field of a valid
    // session is bounded (core/messages.hpp), whatever padding the payload carried.
    std::string_view canonical;
};
// Stores a refused message within the limits of refused_payloads.cpp, and counts it. A held
// session is kept outside the rate limit (it is replayed and billed later), once per id and
// content, in its canonical encoding; the row's size and hash are those of the raw payload.
Status record_refused(db::Database& db, std::int64_t now, std::string_view topic,
                      std::string_view session_id, std::string_view reason,
                      std::string_view payload, const HeldSession* held = nullptr);

}  // namespace fabgate::ledger::detail

#pragma once
// What the stores of who may do what (members, badges, machines, rights, the console's
// manager accounts) share: one connection, the row readers over it, and changes that write
// their audit_log row in the same transaction, so a change is never kept without the row
// naming who made it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "ledger/db_util.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// What one change did, as its audit_log row keeps it: before and after are JSON, empty where
// there was nothing (an add has no before, a removal no after).
struct AuditEntry {
    std::string action;  // "member.add"
    std::string subject;
    std::string before;
    std::string after;
};

class AuditedStore {
  public:
    AuditedStore(const AuditedStore&) = delete;
    AuditedStore& operator=(const AuditedStore&) = delete;

  protected:
    explicit AuditedStore(db::Database& db) : db_(db) {}
    ~AuditedStore() = default;

    // Runs `change` (returning Result<AuditEntry>) inside BEGIN IMMEDIATE ... COMMIT and
    // appends the audit row it describes before the commit; rolls back on any failure.
    template <class Change>
    Status audited(std::string_view actor, UnixMs now, Change&& change) {
        return detail::in_transaction(db_, [&]() -> Status {
            TRY_ASSIGN(AuditEntry entry, change());
            return detail::audit(db_, now, actor, entry.action, entry.subject, entry.before,
                                 entry.after);
        });
    }

    template <class Row, class Bind, class Read>
    Result<std::optional<Row>> first_row(std::string_view sql, Bind&& bind, Read&& read) {
        return detail::first_row<Row>(db_, sql, bind, read);
    }

    template <class Row, class Bind, class Read>
    Result<std::vector<Row>> rows_of(std::string_view sql, Bind&& bind, Read&& read) {
        return detail::rows_of<Row>(db_, sql, bind, read);
    }

    template <class Bind>
    Status run(std::string_view sql, Bind&& bind) {
        return detail::run(db_, sql, bind);
    }

    static void no_parameters(db::Statement& st) { detail::no_parameters(st); }

    db::Database& db_;
};

// An audited store over one table whose rows are read through `table` (its KeyedTable): finding
// a row by its key (the key's columns, of the types `Key`, in order) and listing them all come
// from here, so no store writes them.
template <class Row, class... Key>
class KeyedStore : public AuditedStore {
  public:
    Result<std::optional<Row>> find(const Key&... key) { return table_.find(db_, key...); }
    Result<std::vector<Row>> all() { return table_.all(db_); }

  protected:
    KeyedStore(db::Database& db, const detail::KeyedTable<Row>& table)
        : AuditedStore(db), table_(table) {}
    ~KeyedStore() = default;

  private:
    const detail::KeyedTable<Row>& table_;
};

}  // namespace fabgate::ledger

#pragma once
// A thin SQLite layer: errors are values naming the database and the statement, statements
// are prepared once and reused, and schemas are versioned with forward-only migrations.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace fabgate::db {

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3_stmt* stmt, std::string where) : stmt_(stmt), where_(std::move(where)) {}
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQL's ?1, ?2. A bind that fails (index out of range, out
    // of memory) is kept, and the next step()/run() returns it without executing: a statement
    // never runs with a parameter silently left NULL.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    // The same without SQLite's copy of the text, for statements run once per message: the
    // caller keeps `text` alive and unchanged until the statement is reset (run() resets it).
    Statement& bind_unowned(int index, std::string_view text);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::int64_t>& value);
    Statement& bind(int index, const std::optional<std::string>& value);

    // true: a row is ready; false: done.
    Result<bool> step();
    // The first failed bind since the last reset(), if any.
    const std::optional<Error>& bind_error() const { return bind_error_; }
    // Runs to completion (for INSERT/UPDATE/DELETE) and resets for reuse.
    Status run();
    void reset();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    // The same text without a copy, valid until the next step() or reset(): for readers of
    // a million rows (the ledger's batch export and usage sums).
    std::string_view text_view(int column) const;
    bool is_null(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    std::optional<std::string> optional_text(int column) const;

  private:
    Statement& checked_bind(int index, int rc);

    sqlite3_stmt* stmt_ = nullptr;
    std::string where_;
    std::optional<Error> bind_error_;
};

struct Migration {
    int version;           // schema version after this step; 1, 2, 3...
    std::string_view sql;  // may hold several statements
};

enum class Durability { Full, Normal };

struct OpenOptions {
    bool create = true;
    Durability durability = Durability::Full;
    int busy_timeout_ms = 5000;
    bool verify_integrity = false;  // PRAGMA quick_check at open
    // Identifies which program's database this is (PRAGMA application_id), so a gate journal
    // is never opened as a ledger or the reverse.
    std::int32_t application_id = 0;
    std::string_view application_name;
    std::span<const Migration> migrations;
};

class Database {
  public:
    // Opens (or creates) the file, turns on WAL, checks it is ours and not corrupt, and runs
    // pending migrations. A database from a newer version is refused, not touched.
    static Result<Database> open(const std::string& path, const OpenOptions& options);

    Database() = default;
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    int schema_version() const { return schema_version_; }
    const std::string& path() const { return path_; }
    sqlite3* handle() { return db_; }
    // How long a statement waits for another connection's write lock before SQLITE_BUSY.
    void set_busy_timeout(int ms);
    // Bumped by SQLite whenever another connection commits: cheap change detection.
    Result<std::int64_t> data_version();

    Status begin();  // BEGIN IMMEDIATE: take the write lock up front
    Status commit();
    void rollback();
    // True between BEGIN and a COMMIT or ROLLBACK that took effect.
    bool in_transaction() const;

  private:
    Status check(const OpenOptions& options);
    Status configure(const OpenOptions& options);
    Status migrate(const OpenOptions& options);
    Result<int> read_user_version();
    Error error(std::string_view what) const;

    sqlite3* db_ = nullptr;
    std::string path_;
    int schema_version_ = 0;
};

// Commits on commit(), rolls back if destroyed without it. A COMMIT that fails (SQLITE_BUSY,
// a deferred foreign key, a full disk) leaves SQLite's transaction open: it is rolled back at
// once, so the connection is never left inside a transaction nobody owns.
class Transaction {
  public:
    explicit Transaction(Database& db) : db_(db) {}
    ~Transaction() {
        if (open_) db_.rollback();
    }
    Status begin() {
        auto s = db_.begin();
        open_ = s.has_value();
        return s;
    }
    Status commit() {
        auto s = db_.commit();
        if (!s && db_.in_transaction()) db_.rollback();
        open_ = false;
        return s;
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

  private:
    Database& db_;
    bool open_ = false;
};

}  // namespace fabgate::db

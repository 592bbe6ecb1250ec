#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <limits>
#include <utility>

namespace fabgate::db {

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      where_(std::move(other.where_)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
        where_ = std::move(other.where_);
        bind_error_ = std::move(other.bind_error_);
    }
    return *this;
}

Statement& Statement::checked_bind(int index, int rc) {
    if (rc != SQLITE_OK && !bind_error_)
        bind_error_ = Error{
            where_, "cannot bind parameter " + std::to_string(index) + " of \"" +
                        std::string(sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "").substr(0, 60) +
                        "\": " + sqlite3_errstr(rc)};
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    return checked_bind(index, sqlite3_bind_int64(stmt_, index, value));
}

namespace {

int bind_text(sqlite3_stmt* stmt, int index, std::string_view text, sqlite3_destructor_type copy) {
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), copy);
}

}  // namespace

Statement& Statement::bind(int index, std::string_view text) {
    return checked_bind(index, bind_text(stmt_, index, text, SQLITE_TRANSIENT));
}

Statement& Statement::bind_unowned(int index, std::string_view text) {
    return checked_bind(index, bind_text(stmt_, index, text, SQLITE_STATIC));
}

Statement& Statement::bind_null(int index) {
    return checked_bind(index, sqlite3_bind_null(stmt_, index));
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

Result<bool> Statement::step() {
    if (bind_error_) {
        auto e = *bind_error_;
        reset();
        return tl::unexpected(e);
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string message = sqlite3_errmsg(sqlite3_db_handle(stmt_));
    sqlite3_reset(stmt_);
    return fail(where_, message);
}

Status Statement::run() {
    auto r = step();
    reset();
    if (!r) return tl::unexpected(r.error());
    return {};
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.reset();
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
    return std::string(text_view(column));
}

std::string_view Statement::text_view(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string_view(reinterpret_cast<const char*>(p),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string_view();
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

Database::~Database() {
    sqlite3_close_v2(db_);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      schema_version_(other.schema_version_) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
        schema_version_ = other.schema_version_;
    }
    return *this;
}

Error Database::error(std::string_view what) const {
    return {path_, std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "cannot open")};
}

Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
    Database db;
    db.path_ = path;
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr) != SQLITE_OK) {
        auto e = db.error("cannot open database");
        return tl::unexpected(e);
    }
    sqlite3_extended_result_codes(db.db_, 1);
    // Reads only, until the file is known to be ours and not newer: a refused file is left
    // exactly as it was (WAL mode would otherwise be written into its header).
    TRY(db.check(options));
    TRY(db.configure(options));
    TRY(db.migrate(options));
    return db;
}

Status Database::check(const OpenOptions& options) {
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    // Reading anything fails with "file is not a database" on garbage: catch it here, with a
    // message that says what to do, before WAL or migrations could write to the file.
    // SQLite's own words ("file is not a database"), not the statement that met them.
    auto unreadable = [&](const std::string& why) {
        return fail(path_, "is not a readable SQLite database (" + why + "); refusing to touch it");
    };
    auto schema = prepare("SELECT count(*) FROM sqlite_master");
    if (!schema) return unreadable(sqlite3_errmsg(db_));
    auto row = schema->step();
    if (!row) return unreadable(row.error().what);
    auto objects = schema->int64(0);
    schema->reset();
    if (options.verify_integrity) {
        // O(size of the file): the daemons pay it once at start-up, the manager's tool does not.
        TRY_ASSIGN(auto check, prepare("PRAGMA quick_check"));
        auto verdict = check.step();
        if (!verdict || !*verdict || check.text(0) != "ok")
            return fail(path_,
                        "is corrupt (" +
                            (verdict && *verdict ? check.text(0) : std::string("unreadable")) +
                            "); refusing to touch it. Restore a backup or move it aside.");
    }
    TRY_ASSIGN(auto app, prepare("PRAGMA application_id"));
    (void)app.step();
    auto app_id = static_cast<std::int32_t>(app.int64(0));
    TRY_ASSIGN(auto ver, read_user_version());
    schema_version_ = ver;

    int latest = options.migrations.empty() ? 0 : options.migrations.back().version;
    bool fresh = app_id == 0 && schema_version_ == 0 && objects == 0;
    // An empty file where a database was expected is what a copy or restore that did not
    // finish leaves: made a database here, it would pass for one that holds nothing.
    if (fresh && !options.create)
        return fail(path_, "is empty, not yet a " + std::string(options.application_name) +
                               " database, and this program does not create one (a copy or "
                               "restore that did not finish?); refusing to touch it");
    if (!fresh && options.application_id != 0 && app_id != options.application_id &&
        !options.migrations.empty())
        return fail(path_, "is not a " + std::string(options.application_name) +
                               " database (application_id " + std::to_string(app_id) +
                               "); refusing to touch it");
    if (schema_version_ > latest)
        return fail(path_, "has schema version " + std::to_string(schema_version_) +
                               ", newer than this program's " + std::to_string(latest) +
                               "; refusing to touch it (was it opened by a newer FabGate?)");
    return {};
}

Status Database::configure(const OpenOptions& options) {
    if (auto s = exec("PRAGMA journal_mode=WAL"); !s) return s;
    if (auto s = exec(options.durability == Durability::Full ? "PRAGMA synchronous=FULL"
                                                             : "PRAGMA synchronous=NORMAL");
        !s)
        return s;
    return exec("PRAGMA foreign_keys=ON");
}

Status Database::migrate(const OpenOptions& options) {
    for (const auto& m : options.migrations) {
        if (m.version <= schema_version_) continue;
        Transaction tx(*this);
        if (auto s = tx.begin(); !s) return s;
        // Another process (fabctl beside a starting fabledger) may have migrated since the
        // version was first read: read it again under the write lock.
        TRY_ASSIGN(auto ver, read_user_version());
        schema_version_ = ver;
        if (m.version <= schema_version_) {
            if (auto s = tx.commit(); !s) return s;
            continue;
        }
        if (auto s = exec(m.sql); !s)
            return fail(path_, "migration to schema version " + std::to_string(m.version) +
                                   " failed: " + s.error().what);
        if (auto s = exec("PRAGMA application_id=" + std::to_string(options.application_id)); !s)
            return s;
        if (auto s = exec("PRAGMA user_version=" + std::to_string(m.version)); !s) return s;
        if (auto s = tx.commit(); !s) return s;
        schema_version_ = m.version;
    }
    return {};
}

Result<int> Database::read_user_version() {
    TRY_ASSIGN(auto ver, prepare("PRAGMA user_version"));
    (void)ver.step();
    return static_cast<int>(ver.int64(0));
}

Status Database::exec(std::string_view sql) {
    std::string owned(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        Error e{path_, message ? message : "error"};
        sqlite3_free(message);
        return tl::unexpected(e);
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK)
        return tl::unexpected(error("cannot prepare \"" + std::string(sql.substr(0, 60)) + "\""));
    return Statement(stmt, path_);
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}
int Database::changes() const {
    return sqlite3_changes(db_);
}

Result<std::int64_t> Database::data_version() {
    TRY_ASSIGN(auto st, prepare("PRAGMA data_version"));
    TRY(st.step());
    return st.int64(0);
}

Status Database::begin() {
    return exec("BEGIN IMMEDIATE");
}
Status Database::commit() {
    return exec("COMMIT");
}
void Database::rollback() {
    (void)exec("ROLLBACK");
}
void Database::set_busy_timeout(int ms) {
    sqlite3_busy_timeout(db_, ms);
}
bool Database::in_transaction() const {
    return db_ && sqlite3_get_autocommit(db_) == 0;
}

}  // namespace fabgate::db

#include "gate/journal.hpp"

#include <sqlite3.h>

namespace fabgate {
namespace {

constexpr std::int32_t kJournalApplicationId = 0x46474A31;  // "FGJ1"

constexpr db::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE open_session (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,          -- the session as of its last checkpoint
    checkpoint_at INTEGER NOT NULL
);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- delivery order
    id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    closed_at INTEGER NOT NULL
);
CREATE TABLE access_list (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    version INTEGER NOT NULL,
    payload TEXT NOT NULL
);
)sql"},
    {2, R"sql(
CREATE TABLE maintenance_lock (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    locked INTEGER NOT NULL CHECK (locked IN (0, 1)),
    locked_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    since INTEGER NOT NULL
);
)sql"},
};

}  // namespace

Result<Journal> Journal::open(const std::string& path) {
    db::OpenOptions options;
    options.application_id = kJournalApplicationId;
    options.application_name = "FabGate gate journal";
    options.migrations = kMigrations;
    options.verify_integrity = true;
    // The page cache only: the loop never waits for the disk (see journal.hpp).
    options.durability = db::Durability::Normal;
    TRY_ASSIGN(auto database, db::Database::open(path, options));
    TRY(database.exec("PRAGMA wal_autocheckpoint=0"));
    // Closing the last connection would checkpoint the WAL and sync the database file on the
    // thread that closes it, the loop's; the WAL stays instead, already synced by the sync
    // thread, and the next open reads it back.
    if (sqlite3_db_config(database.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr) !=
        SQLITE_OK)
        return fail(path, "cannot keep the WAL at close");
    Journal journal(std::move(database));
    TRY(journal.prepare_statements());
    return journal;
}

Status Journal::prepare_statements() {
    auto prep = [&](db::Statement& into, std::string_view sql) -> Status {
        TRY_ASSIGN(into, db_.prepare(sql));
        return {};
    };
    TRY(prep(
        insert_open_,
        "INSERT OR REPLACE INTO open_session (id, payload, checkpoint_at) VALUES (?1, ?2, ?3)"));
    TRY(prep(update_open_,
             "UPDATE open_session SET payload = ?2, checkpoint_at = ?3 WHERE id = ?1"));
    TRY(prep(delete_open_, "DELETE FROM open_session WHERE id = ?1"));
    TRY(prep(insert_outbox_,
             "INSERT OR IGNORE INTO outbox (id, payload, closed_at) VALUES (?1, ?2, ?3)"));
    return prep(delete_outbox_, "DELETE FROM outbox WHERE id = ?1");
}

Status Journal::counted(Status written) {
    if (written) ++commits_;
    return written;
}

Status Journal::session_opened(const SessionRecord& open) {
    return counted(
        insert_open_.bind(1, open.id).bind(2, encode(open)).bind(3, open.ended_at).run());
}

Status Journal::checkpoint(const SessionRecord& open) {
    return counted(
        update_open_.bind(1, open.id).bind(2, encode(open)).bind(3, open.ended_at).run());
}

Status Journal::session_closed(const SessionRecord& closed) {
    db::Transaction tx(db_);
    TRY(tx.begin());
    TRY(insert_outbox_.bind(1, closed.id).bind(2, encode(closed)).bind(3, closed.ended_at).run());
    TRY(delete_open_.bind(1, closed.id).run());
    return counted(tx.commit());
}

Result<std::vector<SessionRecord>> Journal::close_interrupted() {
    std::vector<SessionRecord> closed;
    TRY_ASSIGN(auto st, db_.prepare("SELECT id, payload FROM open_session ORDER BY rowid"));
    std::vector<std::pair<std::string, std::string>> rows;
    while (true) {
        TRY_ASSIGN(bool row, st.step());
        if (!row) break;
        rows.emplace_back(st.text(0), st.text(1));
    }
    for (const auto& [id, payload] : rows) {
        auto record = decode_session(payload);
        if (!record) {
            // Our own payload failed to decode: keep the row for a person to look at rather
            // than deleting a session.
            return fail(db_.path(),
                        "open session " + id + " cannot be read back: " + record.error().message());
        }
        record->end_reason = EndReason::PowerLoss;
        TRY(session_closed(*record));
        closed.push_back(*record);
    }
    return closed;
}

Result<std::vector<OutboxEntry>> Journal::outbox(std::int64_t after_seq, int limit) {
    TRY_ASSIGN(auto st, db_.prepare("SELECT seq, id, payload FROM outbox WHERE seq > ?1 "
                                    "ORDER BY seq LIMIT ?2"));
    st.bind(1, after_seq).bind(2, limit);
    std::vector<OutboxEntry> out;
    while (true) {
        TRY_ASSIGN(bool row, st.step());
        if (!row) break;
        out.push_back({st.int64(0), st.text(1), st.text(2)});
    }
    return out;
}

Result<std::int64_t> Journal::outbox_size() {
    return single_integer("SELECT count(*) FROM outbox");
}

Result<std::int64_t> Journal::last_outbox_seq() {
    return single_integer("SELECT coalesce(max(seq), 0) FROM outbox");
}

Result<std::int64_t> Journal::single_integer(std::string_view sql) {
    TRY_ASSIGN(auto st, db_.prepare(sql));
    TRY(st.step());
    return st.int64(0);
}

Result<int> Journal::acknowledge(const std::vector<std::string>& ids) {
    db::Transaction tx(db_);
    TRY(tx.begin());
    int removed = 0;
    for (const auto& id : ids) {
        TRY(delete_outbox_.bind(1, id).run());
        removed += db_.changes();
    }
    TRY(counted(tx.commit()));
    return removed;
}

Status Journal::store_access_list(std::int64_t version, std::string_view payload) {
    TRY_ASSIGN(auto st, db_.prepare("INSERT OR REPLACE INTO access_list (slot, version, payload) "
                                    "VALUES (1, ?1, ?2)"));
    return counted(st.bind(1, version).bind(2, payload).run());
}

Result<std::optional<CachedAccessList>> Journal::load_access_list() {
    TRY_ASSIGN(auto st, db_.prepare("SELECT version, payload FROM access_list WHERE slot = 1"));
    TRY_ASSIGN(bool row, st.step());
    if (!row) return std::optional<CachedAccessList>{};
    return std::optional<CachedAccessList>{CachedAccessList{st.int64(0), st.text(1)}};
}

Status Journal::store_lock(const std::optional<MaintenanceLock>& lock) {
    TRY_ASSIGN(auto st,
               db_.prepare("INSERT OR REPLACE INTO maintenance_lock (slot, locked, locked_by, "
                           "reason, since) VALUES (1, ?1, ?2, ?3, ?4)"));
    MaintenanceLock none;
    const auto& l = lock ? *lock : none;
    return counted(st.bind(1, lock ? 1 : 0).bind(2, l.by).bind(3, l.reason).bind(4, l.since).run());
}

Result<std::optional<std::optional<MaintenanceLock>>> Journal::load_lock() {
    using Stored = std::optional<std::optional<MaintenanceLock>>;
    TRY_ASSIGN(auto st, db_.prepare("SELECT locked, locked_by, reason, since FROM "
                                    "maintenance_lock WHERE slot = 1"));
    TRY_ASSIGN(bool row, st.step());
    if (!row) return Stored{};
    if (st.int64(0) == 0) return Stored{std::optional<MaintenanceLock>{}};
    return Stored{MaintenanceLock{st.text(1), st.text(2), st.int64(3)}};
}

}  // namespace fabgate

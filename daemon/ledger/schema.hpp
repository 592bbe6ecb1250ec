#pragma once
// The ledger's schema as forward-only migrations. Never edit a released migration: add one
// (released_migrations_test pins the text of each, including those joined from shared pieces).
// docs/ledger-schema.md describes every table and view. Over 400 lines because released
// migrations are never edited or moved: the file only grows, one named step at a time.
#include <array>

#include "core/concat.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// Text that more than one migration spells out in full, written once. Each piece, and each part
// of a migration around them, starts with a line break and ends without one, so kConcat puts
// every migration together exactly as it was released (byte for byte: SQLite keeps the text of
// CREATE statements).
namespace shared_sql {

// A stored session's columns from site to received_at: the sessions table of schema 1 and the
// ones schemas 9 and 12 rebuild.
inline constexpr std::string_view kSessionStoredFacts = R"SQL(
    site TEXT NOT NULL,
    machine TEXT NOT NULL,
    uid TEXT NOT NULL,
    member_id TEXT NOT NULL,
    role TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    clock_synced INTEGER NOT NULL,
    powered_ms INTEGER NOT NULL,
    active_ms INTEGER,
    end_reason TEXT NOT NULL,
    ended_by TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    received_at INTEGER NOT NULL,)SQL";

// The price columns from tariff_id to combined_with: the sessions table of schema 9 and the one
// schema 12 rebuilds.
inline constexpr std::string_view kSessionPriceColumns = R"SQL(
    tariff_id INTEGER REFERENCES tariffs(id),
    billable_s INTEGER NOT NULL DEFAULT 0,
    amount_minor INTEGER,
    currency TEXT NOT NULL DEFAULT '',
    minimum_applied INTEGER NOT NULL DEFAULT 0,
    rounded INTEGER NOT NULL DEFAULT 0,
    combined_with TEXT,)SQL";

// The indexes on sessions, created again in schemas 9 and 12 after each rebuilds the table.
inline constexpr std::string_view kSessionIndexes = R"SQL(
CREATE INDEX sessions_usage ON sessions(ended_at, member_id, site, machine, currency, powered_ms,
                                        active_ms, billable_s, amount_minor, tariff_id);
CREATE INDEX sessions_by_member_start ON sessions(member_id, started_at);
CREATE INDEX sessions_by_group ON sessions(combined_with) WHERE combined_with IS NOT NULL;)SQL";

// v_billable_sessions from its start column on, in schema 1 and as schema 9 and
// kSchemaViewsClassAtStart recreate it.
inline constexpr std::string_view kBillableSessionsFromStart = R"SQL(
       s.started_at, s.ended_at, s.clock_synced, s.end_reason,
       s.powered_ms, s.active_ms,
       (s.powered_ms + 59999) / 60000 AS powered_minutes,
       (s.billable_s + 59) / 60 AS billable_minutes,
       s.tariff_id, s.amount_minor, s.currency,
       s.tariff_id IS NULL AS unpriced
FROM sessions s
LEFT JOIN machines m ON m.site = s.site AND m.id = s.machine
LEFT JOIN members mb ON mb.id = s.member_id;)SQL";

// v_billable_sessions's member columns as schemas 1 and 9 wrote them: the member's current class.
inline constexpr std::string_view kBillableSessionsCurrentClass = R"SQL(
       s.member_id, mb.name AS member_name, mb.member_class, s.uid, s.role,)SQL";

// v_billable_sessions from its member columns on, in schema 1 and as schema 9 recreates it.
inline constexpr std::string_view kBillableSessionsFromMember =
    kConcat<kBillableSessionsCurrentClass, kBillableSessionsFromStart>;

// v_usage_by_member's totals and source, in schema 1, schema 9 and kSchemaViewsClassAtStart.
inline constexpr std::string_view kUsageByMemberTotals = R"SQL(
       count(*) AS sessions,
       sum((s.powered_ms + 59999) / 60000) AS powered_minutes,
       sum((s.billable_s + 59) / 60) AS billable_minutes,
       sum(coalesce(s.amount_minor, 0)) AS amount_minor,
       sum(s.tariff_id IS NULL) AS unpriced_sessions
FROM sessions s LEFT JOIN members mb ON mb.id = s.member_id)SQL";

// v_usage_by_machine's totals and source, in schema 1 and schema 9.
inline constexpr std::string_view kUsageByMachineTotals = R"SQL(
       count(*) AS sessions,
       sum((s.powered_ms + 59999) / 60000) AS powered_minutes,
       sum((coalesce(s.active_ms, 0) + 59999) / 60000) AS active_minutes,
       sum((s.billable_s + 59) / 60) AS billable_minutes,
       sum(coalesce(s.amount_minor, 0)) AS amount_minor,
       sum(s.tariff_id IS NULL) AS unpriced_sessions
FROM sessions s LEFT JOIN machines m ON m.site = s.site AND m.id = s.machine)SQL";

}  // namespace shared_sql

// A migration that creates the sessions table and the report views: its own text up to the
// sessions table's id column, between the shared pieces, and after the last of them.
template <const std::string_view& UpToSessionsId, const std::string_view& UpToBillableMember,
          const std::string_view& UpToMemberTotals, const std::string_view& UpToMachineTotals,
          const std::string_view& Rest>
inline constexpr std::string_view kWithSessionsAndReportViews =
    kConcat<UpToSessionsId, shared_sql::kSessionStoredFacts, UpToBillableMember,
            shared_sql::kBillableSessionsFromMember, UpToMemberTotals,
            shared_sql::kUsageByMemberTotals, UpToMachineTotals, shared_sql::kUsageByMachineTotals,
            Rest>;

namespace v1_sql {

inline constexpr std::string_view kTablesUpToSessionsId = R"SQL(
CREATE TABLE members(
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    member_class TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','suspended')),
    member_until INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE badges(
    uid TEXT PRIMARY KEY,
    member_id TEXT REFERENCES members(id),
    label TEXT NOT NULL DEFAULT '',
    assigned_at INTEGER
);
CREATE INDEX badges_by_member ON badges(member_id);

CREATE TABLE unknown_badges(
    uid TEXT NOT NULL,
    site TEXT NOT NULL,
    machine TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY(uid, site, machine)
);

CREATE TABLE machines(
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    group_name TEXT,
    PRIMARY KEY(site, id)
);

CREATE TABLE rights(
    member_id TEXT NOT NULL REFERENCES members(id),
    target_kind TEXT NOT NULL CHECK(target_kind IN ('machine','group')),
    target TEXT NOT NULL,
    role TEXT NOT NULL CHECK(role IN ('user','supervisor','maintainer')),
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    valid_until INTEGER,
    PRIMARY KEY(member_id, target_kind, target)
);

CREATE TABLE tariffs(
    id INTEGER PRIMARY KEY,
    target_kind TEXT NOT NULL CHECK(target_kind IN ('machine','group')),
    target TEXT NOT NULL,
    member_class TEXT NOT NULL,
    price_per_hour_minor INTEGER NOT NULL CHECK(price_per_hour_minor >= 0),
    currency TEXT NOT NULL,
    basis TEXT NOT NULL CHECK(basis IN ('powered','active')),
    increment_s INTEGER NOT NULL CHECK(increment_s >= 1),
    start_fee_minor INTEGER NOT NULL DEFAULT 0 CHECK(start_fee_minor >= 0),
    minimum_minor INTEGER NOT NULL DEFAULT 0 CHECK(minimum_minor >= 0),
    free_below_s INTEGER NOT NULL DEFAULT 0 CHECK(free_below_s >= 0),
    amount_rounding_minor INTEGER NOT NULL DEFAULT 1 CHECK(amount_rounding_minor >= 1),
    valid_from INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
-- A tariff row is history: prices already charged refer to it.
CREATE TRIGGER tariffs_are_append_only BEFORE UPDATE ON tariffs
BEGIN SELECT RAISE(ABORT, 'tariffs are append-only: add a row with a later valid_from'); END;

CREATE TABLE billing_batches(
    id INTEGER PRIMARY KEY,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL UNIQUE,
    closed_at INTEGER NOT NULL,
    closed_by TEXT NOT NULL
);

CREATE TABLE sessions(
    id TEXT PRIMARY KEY,)SQL";

inline constexpr std::string_view kSessionsBatchToBillableView = R"SQL(
    batch_id INTEGER REFERENCES billing_batches(id),
    tariff_id INTEGER REFERENCES tariffs(id),
    billable_s INTEGER NOT NULL DEFAULT 0,
    amount_minor INTEGER,
    currency TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_end ON sessions(ended_at);
CREATE INDEX sessions_by_batch ON sessions(batch_id);
-- What the next close_period takes: small, however large the history grows.
CREATE INDEX sessions_unbatched ON sessions(ended_at) WHERE batch_id IS NULL;

CREATE TABLE session_conflicts(
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    topic TEXT NOT NULL,
    stored_hash TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    payload TEXT NOT NULL
);

CREATE TABLE ingest_errors(
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    topic TEXT NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    payload TEXT NOT NULL
);

CREATE TABLE machine_state(
    site TEXT NOT NULL,
    machine TEXT NOT NULL,
    state TEXT NOT NULL,
    since INTEGER NOT NULL,
    member TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    acl_version INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY(site, machine)
);

CREATE TABLE acl_versions(
    site TEXT NOT NULL,
    machine TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY(site, machine, version)
);

CREATE TABLE audit_log(
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json TEXT NOT NULL DEFAULT ''
);

-- Reporting views. Minutes are started minutes of the billed basis, for people; money is
-- amount_minor (integer minor units) with its currency.
CREATE VIEW v_billable_sessions AS
SELECT s.id, s.batch_id, s.site, s.machine, m.name AS machine_name, m.group_name,)SQL";

inline constexpr std::string_view kUsageByMemberSelect = R"SQL(

CREATE VIEW v_usage_by_member AS
SELECT s.batch_id, s.member_id, mb.name AS member_name, mb.member_class, s.currency,)SQL";

inline constexpr std::string_view kUsageByMachineSelect = R"SQL(
GROUP BY s.batch_id, s.member_id, s.currency;

CREATE VIEW v_usage_by_machine AS
SELECT s.batch_id, s.site, s.machine, m.name AS machine_name, m.group_name, s.currency,)SQL";

inline constexpr std::string_view kBatchesView = R"SQL(
GROUP BY s.batch_id, s.site, s.machine, s.currency;

CREATE VIEW v_batches AS
SELECT b.id, b.period_start, b.period_end, b.closed_at, b.closed_by,
       (SELECT count(*) FROM sessions s WHERE s.batch_id = b.id) AS sessions,
       (SELECT count(*) FROM sessions s WHERE s.batch_id = b.id AND s.ended_at < b.period_start) AS late_sessions
FROM billing_batches b;
)SQL";

}  // namespace v1_sql

inline constexpr std::string_view kSchemaV1 =
    kWithSessionsAndReportViews<v1_sql::kTablesUpToSessionsId, v1_sql::kSessionsBatchToBillableView,
                                v1_sql::kUsageByMemberSelect, v1_sql::kUsageByMachineSelect,
                                v1_sql::kBatchesView>;

// A machine's maintenance lock (null locked_by = not locked). It travels in the machine's signed
// access list, so a gate that lost its journal still comes up locked.
inline constexpr std::string_view kSchemaV2 = R"SQL(
ALTER TABLE machines ADD COLUMN locked_by TEXT;
ALTER TABLE machines ADD COLUMN lock_reason TEXT;
ALTER TABLE machines ADD COLUMN locked_since INTEGER;
)SQL";

// Nothing parked forever: a session refused because the ledger lacked something the manager can
// add (its machine) is held ('parked') and replayed through the usual ingest once it is there;
// a resent conflict is one row per distinct payload, counting repeats.
inline constexpr std::string_view kSchemaParked = R"SQL(
ALTER TABLE ingest_errors ADD COLUMN state TEXT NOT NULL DEFAULT 'refused'
    CHECK(state IN ('refused','parked','replayed'));
ALTER TABLE ingest_errors ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE ingest_errors ADD COLUMN machine TEXT NOT NULL DEFAULT '';
ALTER TABLE ingest_errors ADD COLUMN powered_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingest_errors ADD COLUMN replayed_at INTEGER;
UPDATE ingest_errors SET state = 'parked',
    site = coalesce(json_extract(payload, '$.site'), ''),
    machine = coalesce(json_extract(payload, '$.machine'), ''),
    powered_ms = coalesce(json_extract(payload, '$.powered_ms'), 0)
    WHERE reason LIKE 'unknown machine %' AND json_valid(payload);
CREATE INDEX ingest_errors_parked ON ingest_errors(site, machine) WHERE state = 'parked';

ALTER TABLE session_conflicts ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
UPDATE session_conflicts SET repeats = (
    SELECT count(*) - 1 FROM session_conflicts c
    WHERE c.session_id = session_conflicts.session_id
      AND c.payload_hash = session_conflicts.payload_hash)
    WHERE id IN (SELECT min(id) FROM session_conflicts GROUP BY session_id, payload_hash);
DELETE FROM session_conflicts
    WHERE id NOT IN (SELECT min(id) FROM session_conflicts GROUP BY session_id, payload_hash);
CREATE UNIQUE INDEX session_conflicts_once ON session_conflicts(session_id, payload_hash);
)SQL";

// Published tariff rules (docs/ledger-schema.md, "Pricing"): the rounding mode of a tariff, a
// minimum in time, which rules priced each session, and each member's class history so a session is
// priced by the class in force at its start. Members already present keep their class from the
// beginning of time.
inline constexpr std::string_view kSchemaTariffRules = R"SQL(
CREATE TABLE member_class_history(
    member_id TEXT NOT NULL,
    member_class TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    PRIMARY KEY(member_id, valid_from)
);
INSERT INTO member_class_history(member_id, member_class, valid_from)
    SELECT id, member_class, 0 FROM members;
ALTER TABLE tariffs ADD COLUMN rounding_mode TEXT NOT NULL DEFAULT 'half-up'
    CHECK(rounding_mode IN ('half-up','up','down'));
ALTER TABLE tariffs ADD COLUMN minimum_s INTEGER NOT NULL DEFAULT 0 CHECK(minimum_s >= 0);
-- Which rules priced each session, for the invoice line.
ALTER TABLE sessions ADD COLUMN minimum_applied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rounded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN combined_with TEXT;
ALTER TABLE tariffs ADD COLUMN combine_window_s INTEGER NOT NULL DEFAULT 0
    CHECK(combine_window_s >= 0);
-- A session's combined group: the member's previous session under the same tariff, and the
-- sessions already combined with that group's first.
CREATE INDEX sessions_by_member_start ON sessions(member_id, started_at);
CREATE INDEX sessions_by_group ON sessions(combined_with) WHERE combined_with IS NOT NULL;
)SQL";

// Members' data under control (docs/privacy.md): a hash-chained, append-only audit log that
// records the Unix user next to the actor, and refused payloads kept bounded.
inline constexpr std::string_view kSchemaPrivacy = R"SQL(
ALTER TABLE audit_log ADD COLUMN os_user TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN content_hash TEXT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;
ALTER TABLE audit_log ADD COLUMN redacted_by INTEGER;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows are never deleted'); END;
-- Two updates are allowed, each leaving every hash in place: sealing a row written before the
-- chain existed (content unchanged), and `members forget` redacting a row, naming the later
-- member.forget row that lists it (fabctl check verifies that list).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
-- coalesce: a NULL anywhere must refuse, not let the update through.
WHEN NOT coalesce((NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action
          AND NEW.actor = OLD.actor AND NEW.os_user = OLD.os_user AND (
    (OLD.row_hash IS NULL AND NEW.row_hash IS NOT NULL AND NEW.subject = OLD.subject
     AND NEW.before_json = OLD.before_json AND NEW.after_json = OLD.after_json
     AND NEW.redacted_by IS NULL)
    OR
    (OLD.row_hash IS NOT NULL AND NEW.row_hash = OLD.row_hash
     AND NEW.prev_hash IS OLD.prev_hash AND NEW.content_hash IS OLD.content_hash
     AND NEW.redacted_by > OLD.id
     AND (SELECT action FROM audit_log WHERE id = NEW.redacted_by) = 'member.forget'))), 0)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: only members forget may redact a row'); END;

ALTER TABLE ingest_errors ADD COLUMN payload_size INTEGER;
ALTER TABLE ingest_errors ADD COLUMN payload_sha256 TEXT;
CREATE INDEX ingest_errors_by_time ON ingest_errors(received_at);
CREATE INDEX unknown_badges_by_last_seen ON unknown_badges(last_seen_at);
-- Per machine (topic site/machine): refused payloads counted, and those not stored because the
-- machine exceeded its rate (window of one minute).
CREATE TABLE ingest_error_counts(
    site TEXT NOT NULL,
    machine TEXT NOT NULL,
    refused INTEGER NOT NULL DEFAULT 0,
    not_stored INTEGER NOT NULL DEFAULT 0,
    window_start INTEGER NOT NULL DEFAULT 0,
    window_stored INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(site, machine)
);
)SQL";

// A conflicting payload is kept like a refused one: its first 4 KiB, its size and SHA-256 (rows
// from before keep their whole payload and no hash). Billing reports get a covering index.
inline constexpr std::string_view kSchemaConflictCapBillingIndexes = R"SQL(
ALTER TABLE session_conflicts ADD COLUMN payload_size INTEGER;
ALTER TABLE session_conflicts ADD COLUMN payload_sha256 TEXT;
UPDATE session_conflicts SET payload_size = length(CAST(payload AS BLOB));

-- Usage reports over a period read this index alone (it covers every column they sum), in end
-- order; it replaces the narrower sessions_by_end, so ingest keeps the same number of indexes.
DROP INDEX sessions_by_end;
CREATE INDEX sessions_usage ON sessions(ended_at, member_id, site, machine, currency, powered_ms,
                                        active_ms, billable_s, amount_minor, tariff_id);
)SQL";

// The web console's manager accounts (fabweb, docs/console.md): Argon2id hashes from libsodium's
// crypto_pwhash_str, never a password. machines: the trainer's "site/id" list, comma-separated.
inline constexpr std::string_view kSchemaConsole = R"SQL(
CREATE TABLE manager_accounts(
    login TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK(role IN ('admin','trainer','treasurer')),
    machines TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
)SQL";

// Closing a period and exporting its batch (docs/ledger-schema.md, "Performance"): a session is
// in sessions_by_batch only once it has a batch, so ingest writes no entry for it and a close
// appends one per session instead of also deleting it from a run of a million NULLs; ended_at in
// the key lets a batch's late sessions be counted from the index alone.
inline constexpr std::string_view kSchemaBatchIndex = R"SQL(
DROP INDEX sessions_by_batch;
CREATE INDEX sessions_by_batch ON sessions(batch_id, ended_at) WHERE batch_id IS NOT NULL;
)SQL";

// Closing a period writes one row, not one per session (docs/ledger-schema.md, "Billing runs"):
// each session gets `seq`, the order it was stored in (INTEGER PRIMARY KEY AUTOINCREMENT: never
// reused, kept by VACUUM), and a batch records the highest seq it took (`seq_through`) and the
// previous batch's (`seq_after`). A session is in the first batch whose period_end is after its
// end and whose seq_through reaches its seq: what the per-row batch_id said, since a close took
// every stored session that ended before its end. Batches never change once closed, so their
// counts are stored. The rows are copied in batch order, so each batch's sessions get the seqs
// just above the previous batch's: every batch keeps exactly its sessions, whatever order the
// rows were stored in. A batch whose stored membership the new rule could not give (a session
// ended after its period_end, periods not chained) stops the migration.
namespace batch_by_seq_sql {

inline constexpr std::string_view kCheckUpToSessionsId = R"SQL(
CREATE TABLE batch_migration_check(
    ok INTEGER NOT NULL,
    CONSTRAINT batches_hold_only_sessions_ended_in_their_chained_periods CHECK(ok)
);
INSERT INTO batch_migration_check(ok) SELECT NOT EXISTS(
    SELECT 1 FROM sessions s JOIN billing_batches b ON b.id = s.batch_id
    WHERE s.ended_at >= b.period_end)
  AND NOT EXISTS(
    SELECT 1 FROM billing_batches b
    WHERE b.period_start != coalesce((SELECT p.period_end FROM billing_batches p
                                      WHERE p.id < b.id ORDER BY p.id DESC LIMIT 1), 0)
       OR b.period_end <= b.period_start);
DROP TABLE batch_migration_check;

ALTER TABLE billing_batches ADD COLUMN seq_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_batches ADD COLUMN seq_through INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_batches ADD COLUMN sessions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_batches ADD COLUMN late_sessions INTEGER NOT NULL DEFAULT 0;
UPDATE billing_batches SET
    sessions = (SELECT count(*) FROM sessions s WHERE s.batch_id = billing_batches.id),
    late_sessions = (SELECT count(*) FROM sessions s WHERE s.batch_id = billing_batches.id
                     AND s.ended_at < billing_batches.period_start);
-- The copy below numbers sessions 1, 2, 3... in batch order: a batch's last seq is how many
-- sessions the batches up to it hold.
UPDATE billing_batches SET
    seq_through = (SELECT sum(p.sessions) FROM billing_batches p WHERE p.id <= billing_batches.id),
    seq_after = (SELECT coalesce(sum(p.sessions), 0) FROM billing_batches p
                 WHERE p.id < billing_batches.id);

DROP VIEW v_billable_sessions;
DROP VIEW v_usage_by_member;
DROP VIEW v_usage_by_machine;
DROP VIEW v_batches;
DROP INDEX sessions_by_batch;
DROP INDEX sessions_unbatched;
DROP INDEX sessions_by_member_start;
DROP INDEX sessions_by_group;
DROP INDEX sessions_usage;
ALTER TABLE sessions RENAME TO sessions_with_batch_id;

CREATE TABLE sessions(
    id TEXT NOT NULL UNIQUE,)SQL";

inline constexpr std::string_view kSeqToIndexes = R"SQL(
    seq INTEGER PRIMARY KEY AUTOINCREMENT
);
INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, clock_synced,
                     powered_ms, active_ms, end_reason, ended_by, payload_hash, received_at,
                     tariff_id, billable_s, amount_minor, currency, minimum_applied, rounded,
                     combined_with)
    SELECT id, site, machine, uid, member_id, role, started_at, ended_at, clock_synced,
           powered_ms, active_ms, end_reason, ended_by, payload_hash, received_at, tariff_id,
           billable_s, amount_minor, currency, minimum_applied, rounded, combined_with
    FROM sessions_with_batch_id ORDER BY batch_id IS NULL, batch_id, rowid;

DROP TABLE sessions_with_batch_id;
)SQL";

inline constexpr std::string_view kIndexesToBillableView = R"SQL(

-- The batch of the session s, NULL while unbilled (the rule above; billing.hpp, kSessionBatch).
CREATE VIEW v_billable_sessions AS
SELECT s.id, (SELECT b.id FROM billing_batches b WHERE b.period_end > s.ended_at
              AND b.seq_through >= s.seq ORDER BY b.id LIMIT 1) AS batch_id,
       s.site, s.machine, m.name AS machine_name, m.group_name,)SQL";

inline constexpr std::string_view kSessionsPriceToBillableView =
    kConcat<shared_sql::kSessionPriceColumns, kSeqToIndexes, shared_sql::kSessionIndexes,
            kIndexesToBillableView>;

inline constexpr std::string_view kUsageByMemberSelect = R"SQL(

CREATE VIEW v_usage_by_member AS
SELECT (SELECT b.id FROM billing_batches b WHERE b.period_end > s.ended_at
        AND b.seq_through >= s.seq ORDER BY b.id LIMIT 1) AS batch_id,
       s.member_id, mb.name AS member_name, mb.member_class, s.currency,)SQL";

inline constexpr std::string_view kUsageByMachineSelect = R"SQL(
GROUP BY 1, s.member_id, s.currency;

CREATE VIEW v_usage_by_machine AS
SELECT (SELECT b.id FROM billing_batches b WHERE b.period_end > s.ended_at
        AND b.seq_through >= s.seq ORDER BY b.id LIMIT 1) AS batch_id,
       s.site, s.machine, m.name AS machine_name, m.group_name, s.currency,)SQL";

inline constexpr std::string_view kBatchesView = R"SQL(
GROUP BY 1, s.site, s.machine, s.currency;

CREATE VIEW v_batches AS
SELECT id, period_start, period_end, closed_at, closed_by, sessions, late_sessions
FROM billing_batches;
)SQL";

}  // namespace batch_by_seq_sql

inline constexpr std::string_view kSchemaBatchBySeq = kWithSessionsAndReportViews<
    batch_by_seq_sql::kCheckUpToSessionsId, batch_by_seq_sql::kSessionsPriceToBillableView,
    batch_by_seq_sql::kUsageByMemberSelect, batch_by_seq_sql::kUsageByMachineSelect,
    batch_by_seq_sql::kBatchesView>;

// The hourly reissue of unchanged lists no longer adds acl_versions rows (a reissue replaces
// the row it renews): the rows it left before are removed, keeping the last of each run of one
// content per machine, so the latest version and every content change stay.
inline constexpr std::string_view kSchemaAclReissuePrune = R"SQL(
DELETE FROM acl_versions WHERE content_hash = (
    SELECT n.content_hash FROM acl_versions n
    WHERE n.site = acl_versions.site AND n.machine = acl_versions.machine
      AND n.version > acl_versions.version
    ORDER BY n.version LIMIT 1);
)SQL";

// A stored session's batch follows from its seq and ended_at, and what it is charged from its
// price columns: a hand edit of any of them would silently move a billed session to another
// batch or change its amount. `members forget` rewrites only member_id, uid and ended_by. An
// update that leaves these columns as they were still passes.
inline constexpr std::string_view kSchemaSessionsBillingFixed = R"SQL(
CREATE TRIGGER sessions_billing_columns_fixed BEFORE UPDATE OF
    seq, ended_at, tariff_id, billable_s, amount_minor, currency, minimum_applied, rounded,
    combined_with ON sessions
WHEN NEW.seq IS NOT OLD.seq OR NEW.ended_at IS NOT OLD.ended_at
  OR NEW.tariff_id IS NOT OLD.tariff_id OR NEW.billable_s IS NOT OLD.billable_s
  OR NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency
  OR NEW.minimum_applied IS NOT OLD.minimum_applied OR NEW.rounded IS NOT OLD.rounded
  OR NEW.combined_with IS NOT OLD.combined_with
BEGIN SELECT RAISE(ABORT, 'sessions are billed as stored: seq, ended_at and the price columns (tariff_id, billable_s, amount_minor, currency, minimum_applied, rounded, combined_with) cannot be changed'); END;
)SQL";

// Migration 12's own text around the shared session columns and indexes and migration 11's
// trigger (which it creates again, as released, after dropping the old table with it).
namespace v12_sql {

// Up to the rebuilt table's id column.
inline constexpr std::string_view kUpToSessionsId = R"SQL(
CREATE TABLE seq_migration_check(
    ok INTEGER NOT NULL,
    CONSTRAINT no_session_above_a_batch_was_deleted CHECK(ok)
);
INSERT INTO seq_migration_check(ok) SELECT
    (SELECT coalesce(max(seq_through), 0) FROM billing_batches)
    <= (SELECT coalesce(max(seq), 0) FROM sessions);
DROP TABLE seq_migration_check;

PRAGMA legacy_alter_table = ON;
CREATE TABLE sessions_without_counter(
    id TEXT NOT NULL UNIQUE,)SQL";

// From seq to the indexes.
inline constexpr std::string_view kSeqToIndexes = R"SQL(
    seq INTEGER PRIMARY KEY
);
INSERT INTO sessions_without_counter(id, site, machine, uid, member_id, role, started_at,
                                     ended_at, clock_synced, powered_ms, active_ms, end_reason,
                                     ended_by, payload_hash, received_at, tariff_id, billable_s,
                                     amount_minor, currency, minimum_applied, rounded,
                                     combined_with, seq)
    SELECT id, site, machine, uid, member_id, role, started_at, ended_at, clock_synced,
           powered_ms, active_ms, end_reason, ended_by, payload_hash, received_at, tariff_id,
           billable_s, amount_minor, currency, minimum_applied, rounded, combined_with, seq
    FROM sessions ORDER BY seq;
DROP TABLE sessions;
ALTER TABLE sessions_without_counter RENAME TO sessions;
PRAGMA legacy_alter_table = OFF;
DELETE FROM sqlite_sequence WHERE name = 'sessions';
)SQL";

// After the indexes, up to where migration 11's trigger is created again.
inline constexpr std::string_view kIndexesUpToTrigger = R"SQL(
-- kSchemaSessionsBillingFixed's trigger, dropped with the old table.)SQL";

// Starts without a line break: migration 11's text, before it, ends with one.
inline constexpr std::string_view kNeverDeleted =
    R"SQL(CREATE TRIGGER sessions_never_deleted BEFORE DELETE ON sessions
BEGIN SELECT RAISE(ABORT, 'sessions are never deleted: a later session would take a billed seq'); END;
)SQL";

}  // namespace v12_sql

// Ingest stops paying for AUTOINCREMENT's counter (one sqlite_sequence read and write per
// session: 4.4 k of some 70 k instructions a session, docs/ledger-schema.md, "Performance"). A
// batch needs every later session's seq above its seq_through; without the counter SQLite gives
// the highest stored seq + 1, which is enough as long as no session is ever deleted: a trigger
// now refuses that, as nothing in the ledger deletes one (`members forget` rewrites). A database
// where sessions above a batch's seq_through were already deleted by hand stops the migration.
// The table is rebuilt with the same columns and seqs; the views keep naming `sessions`
// (legacy_alter_table: the rename leaves them as written).
inline constexpr std::string_view kSchemaSessionsSeqWithoutCounter =
    kConcat<v12_sql::kUpToSessionsId, shared_sql::kSessionStoredFacts,
            shared_sql::kSessionPriceColumns, v12_sql::kSeqToIndexes, shared_sql::kSessionIndexes,
            v12_sql::kIndexesUpToTrigger, kSchemaSessionsBillingFixed, v12_sql::kNeverDeleted>;

// A closed batch is what was billed, and its stored count is how many rows its CSV export reads
// (batch_export.cpp: the range of sessions stored before the previous close stops at it). A hand
// edit or deletion of a batch would silently shorten, move or drop a bill; nothing in the ledger
// updates or deletes one.
inline constexpr std::string_view kSchemaClosedBatchesFixed = R"SQL(
CREATE TRIGGER billing_batches_never_updated BEFORE UPDATE ON billing_batches
BEGIN SELECT RAISE(ABORT, 'closed billing batches are never changed: their sessions are billed as counted at the close'); END;
CREATE TRIGGER billing_batches_never_deleted BEFORE DELETE ON billing_batches
BEGIN SELECT RAISE(ABORT, 'closed billing batches are never changed: their sessions are billed as counted at the close'); END;
)SQL";

// A session's class in the views is the class that priced it: the one in force at its start in
// member_class_history, else the member's current class (docs/ledger-schema.md, "Pricing"); the
// views showed the current class, so a billing job that sends each class to its payer sent a
// student's past sessions to the standard payer once the member changed class. Usage per member
// is split by that class, since one row cannot name two.
namespace class_at_start_sql {

inline constexpr std::string_view kUpToBillableStart = R"SQL(
DROP VIEW v_billable_sessions;
DROP VIEW v_usage_by_member;

CREATE VIEW v_billable_sessions AS
SELECT s.id, (SELECT b.id FROM billing_batches b WHERE b.period_end > s.ended_at
              AND b.seq_through >= s.seq ORDER BY b.id LIMIT 1) AS batch_id,
       s.site, s.machine, m.name AS machine_name, m.group_name,
       s.member_id, mb.name AS member_name,
       coalesce((SELECT h.member_class FROM member_class_history h
                 WHERE h.member_id = s.member_id AND h.valid_from <= s.started_at
                 ORDER BY h.valid_from DESC LIMIT 1), mb.member_class) AS member_class,
       s.uid, s.role,)SQL";

inline constexpr std::string_view kUsageByMemberSelect = R"SQL(

CREATE VIEW v_usage_by_member AS
SELECT (SELECT b.id FROM billing_batches b WHERE b.period_end > s.ended_at
        AND b.seq_through >= s.seq ORDER BY b.id LIMIT 1) AS batch_id,
       s.member_id, mb.name AS member_name,
       coalesce((SELECT h.member_class FROM member_class_history h
                 WHERE h.member_id = s.member_id AND h.valid_from <= s.started_at
                 ORDER BY h.valid_from DESC LIMIT 1), mb.member_class) AS member_class,
       s.currency,)SQL";

inline constexpr std::string_view kGroupByClass = R"SQL(
GROUP BY 1, s.member_id, 4, s.currency;
)SQL";

}  // namespace class_at_start_sql

inline constexpr std::string_view kSchemaViewsClassAtStart =
    kConcat<class_at_start_sql::kUpToBillableStart, shared_sql::kBillableSessionsFromStart,
            class_at_start_sql::kUsageByMemberSelect, shared_sql::kUsageByMemberTotals,
            class_at_start_sql::kGroupByClass>;

// ISO 4217 gives 0 decimals to XPF, UGX and six more currencies, and 3 to KWD, TND and five
// more, that FabGate took as two-decimal ones until this schema (core/billing.cpp,
// currency_decimals). A ledger holding a tariff in one stored its prices, and the amounts of
// the sessions they priced, in hundredths: reading them with ISO's decimals would silently
// rescale stored prices and closed bills. Such a ledger keeps 2 for those currencies; a new
// one, or one that never used them, follows ISO. Nothing writes the table after this.
inline constexpr std::string_view kSchemaCurrencyDecimalsKept = R"SQL(
CREATE TABLE currency_decimals_kept(
    currency TEXT PRIMARY KEY,
    decimals INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO currency_decimals_kept(currency, decimals)
SELECT DISTINCT currency, 2 FROM tariffs
WHERE currency IN ('BIF', 'DJF', 'GNF', 'KMF', 'RWF', 'UGX', 'VUV', 'XPF',
                   'BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND');
CREATE TRIGGER currency_decimals_kept_never_updated BEFORE UPDATE ON currency_decimals_kept
BEGIN SELECT RAISE(ABORT, 'stored amounts keep the decimals they were written with'); END;
CREATE TRIGGER currency_decimals_kept_never_deleted BEFORE DELETE ON currency_decimals_kept
BEGIN SELECT RAISE(ABORT, 'stored amounts keep the decimals they were written with'); END;
)SQL";

inline constexpr std::array<db::Migration, 15> kMigrations{{{1, kSchemaV1},
                                                            {2, kSchemaV2},
                                                            {3, kSchemaParked},
                                                            {4, kSchemaTariffRules},
                                                            {5, kSchemaPrivacy},
                                                            {6, kSchemaConflictCapBillingIndexes},
                                                            {7, kSchemaConsole},
                                                            {8, kSchemaBatchIndex},
                                                            {9, kSchemaBatchBySeq},
                                                            {10, kSchemaAclReissuePrune},
                                                            {11, kSchemaSessionsBillingFixed},
                                                            {12, kSchemaSessionsSeqWithoutCounter},
                                                            {13, kSchemaClosedBatchesFixed},
                                                            {14, kSchemaViewsClassAtStart},
                                                            {15, kSchemaCurrencyDecimalsKept}}};

}  // namespace fabgate::ledger

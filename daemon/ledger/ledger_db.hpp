#pragma once
// The ledger database: members, badges, rights, machines, tariffs, sessions and billing
// batches in one SQLite file (schema: docs/ledger-schema.md). Used by the fabledger daemon
// (ingest, machine state, access lists) and by fabctl (administration, reports, billing) from
// another process at the same time: WAL, BEGIN IMMEDIATE, busy timeout.
//
// Every change made on behalf of a person writes an audit_log row in the same transaction;
// the caller names the actor ("fabctl:alice"). Times are UTC milliseconds (UnixMs) given by
// the caller, so tests control them.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/messages.hpp"
#include "core/result.hpp"
#include "core/tariff.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// PRAGMA application_id of a ledger database: "FBLG". A gate journal is never opened as a
// ledger, nor the reverse.
inline constexpr std::int32_t kLedgerApplicationId = 0x46424C47;
inline constexpr int kLedgerSchemaVersion = 1;
// Mode of a ledger file the ledger creates: the ledger's user and the fabgate-managers group.
inline constexpr unsigned kLedgerFileMode = 0660;

enum class MemberStatus { Active, Suspended };
std::string_view to_string(MemberStatus s);
std::optional<MemberStatus> member_status_from_string(std::string_view s);

struct Member {
    std::string id;
    std::string name;
    std::string contact;
    std::string member_class = "standard";  // classes are data: tariffs name them
    MemberStatus status = MemberStatus::Active;
    std::optional<UnixMs> member_until;  // membership valid until (exclusive); null: open-ended
    UnixMs created_at = 0;               // set by add_member
};

struct Badge {
    std::string uid;  // canonical hex (core/uid.hpp); callers may pass any accepted spelling
    std::optional<std::string> member_id;  // null: in the drawer, not assigned
    std::string label;
    std::optional<UnixMs> assigned_at;
};

struct UnknownBadge {
    std::string uid;
    std::string site;
    std::string machine;
    UnixMs first_seen_at = 0;
    UnixMs last_seen_at = 0;
    std::int64_t count = 0;
};

struct Machine {
    std::string site;
    std::string id;
    std::string name;
    std::optional<std::string> group_name;
};

struct Right {
    std::string member_id;
    TargetKind target_kind = TargetKind::Machine;
    std::string target;      // a machine id (on any site) or a group name
    Role role = Role::User;  // user, supervisor or maintainer
    std::string granted_by;
    UnixMs granted_at = 0;
    std::optional<UnixMs> valid_until;  // training valid until (exclusive)
};

struct StoredSession {
    SessionRecord record;
    UnixMs received_at = 0;
    std::string payload_hash;
    std::optional<std::int64_t> batch_id;
    std::optional<std::int64_t> tariff_id;  // null: no tariff applied, unpriced
    std::optional<std::int64_t> amount_minor;
    std::string currency;
    std::int64_t billable_s = 0;
    // The rules that priced it (docs/ledger-schema.md, "Pricing").
    bool minimum_applied = false;
    bool rounded = false;
    std::optional<std::string> combined_with;  // the first session of its combined group
};

// ---- ingestion -------------------------------------------------------------------------

// One message as it came off the broker. classify() fills the rest without touching the
// database, so the daemon can do it on arrival and keep the transaction short.
struct IngestItem {
    std::string topic;
    std::string payload;
    std::string topic_site;  // from the topic; empty if the topic is not a machine topic
    std::string topic_machine;
    std::optional<SessionRecord> session;  // decoded and valid
    std::string id;      // the session id if one could be read, even from an invalid payload
    std::string reason;  // why it is not valid (empty when `session` is set)
};
IngestItem classify_session_message(std::string_view topic, std::string_view payload);
// What sessions.payload_hash holds: a hash of the canonical encoding, so key order or spacing
// in a re-sent payload does not turn a duplicate into a conflict.
std::string session_payload_hash(const SessionRecord& s);
// Hash of an access list's content, ignoring version and generated_at: "did it change?".
std::string acl_content_hash(const AccessList& list);

enum class IngestResult {
    Stored,     // new session, stored (priced if a tariff applied)
    Duplicate,  // same id, same content: stored once already
    Conflict,   // same id, different content: kept in session_conflicts
    Rejected,   // has an id but failed validation / wrong topic / unknown machine: ingest_errors
    Unackable,  // not JSON or no usable id: ingest_errors, cannot be acknowledged
};
std::string_view to_string(IngestResult r);

struct IngestOutcome {
    IngestResult result = IngestResult::Stored;
    std::string id;
    std::string ack_site;  // acks go to the topic the message came from
    std::string ack_machine;
    std::string reason;
    bool ackable() const {
        return result != IngestResult::Unackable && !id.empty() && !ack_site.empty();
    }
};

struct StateUpdate {
    std::string site;
    std::string machine;
    MachineStatus status;
};

struct SeenBadge {
    std::string site;
    std::string machine;
    std::string uid;
    UnixMs at = 0;
};

// Everything one flush of the daemon writes, in one transaction.
struct IngestBatch {
    std::vector<IngestItem> sessions;
    std::vector<StateUpdate> states;
    std::vector<SeenBadge> unknown_badges;
    // Payloads refused before they could be classified (bad state/event payloads, topics).
    std::vector<std::pair<std::string, std::string>> bad_topics_payloads;
    std::vector<std::string> bad_reasons;  // parallel to bad_topics_payloads
    // False when replaying held sessions: one still refused keeps its existing row.
    bool record_refusals = true;
};

struct IngestSummary {
    std::vector<IngestOutcome> outcomes;  // one per IngestBatch::sessions item, same order
    std::int64_t stored = 0, duplicates = 0, conflicts = 0, rejected = 0, unackable = 0;
};

struct IngestErrorRow {
    std::int64_t id = 0;
    UnixMs received_at = 0;
    std::string topic;
    std::string session_id;
    std::string reason;
    std::string payload;
    std::string state;  // refused, parked (held until replayed) or replayed
};

// Sessions held because their machine is not registered: acked to the gate, not yet billed.
struct ParkedSummary {
    std::int64_t sessions = 0;
    std::int64_t powered_ms = 0;
};

struct ReplayReport {
    std::int64_t ingested = 0;     // stored and priced now
    std::int64_t duplicates = 0;   // already in the ledger (stored by an earlier replay)
    std::int64_t still_held = 0;   // still refused; kept for a later replay
    std::vector<std::string> ids;  // sessions ingested
};

// A refused payload is stored only up to this many bytes, with its SHA-256 and size...
inline constexpr std::size_t kRefusedPayloadKeepBytes = 4096;
// ...and only this many payloads per machine and minute; over that, the row keeps the hash and
// size but no payload.
inline constexpr std::int64_t kRefusedStoredPerMinute = 10;

struct RefusedCount {
    std::string site;  // "" for a topic that names no machine
    std::string machine;
    std::int64_t refused = 0;     // every refusal since the ledger was created
    std::int64_t not_stored = 0;  // of which over the rate limit: payload not kept
};

struct ConflictRow {
    std::int64_t id = 0;
    std::string session_id;
    UnixMs received_at = 0;
    std::string topic;
    std::string stored_hash;
    std::string payload_hash;
    std::string payload;
};

struct MachineStateRow {
    std::string site;
    std::string machine;
    MachineStatus status;
    UnixMs updated_at = 0;
};

struct AclVersionRow {
    std::string site;
    std::string machine;
    std::int64_t version = 0;
    std::string content_hash;
    UnixMs published_at = 0;  // also the snapshot's generated_at
    std::int64_t entries = 0;
};

// ---- reports and billing ----------------------------------------------------------------

struct UsageRow {
    std::string key;       // member id or "site/machine"
    std::string label;     // member name or machine name
    std::string currency;  // empty for unpriced sessions
    std::int64_t sessions = 0;
    std::int64_t powered_ms = 0;
    std::int64_t active_ms = 0;
    std::int64_t billable_s = 0;
    std::int64_t amount_minor = 0;
    std::int64_t unpriced = 0;  // sessions without a tariff
};

struct BillingBatch {
    std::int64_t id = 0;      // 1, 2, 3... in closing order
    UnixMs period_start = 0;  // the previous batch's period_end (0 for the first)
    UnixMs period_end = 0;    // exclusive: sessions with ended_at < period_end
    UnixMs closed_at = 0;
    std::string closed_by;
    std::int64_t sessions = 0;
    std::int64_t late_sessions = 0;  // ended before period_start: arrived after an earlier close
};

struct AuditRow {
    std::int64_t id = 0;
    UnixMs at = 0;
    std::string actor;
    std::string action;
    std::string subject;
    std::string before_json;  // "" when created
    std::string after_json;   // "" when deleted
    std::string os_user;      // the Unix user whose process wrote it ("root (SUDO_USER=ann)")
    std::optional<std::int64_t> redacted_by;  // the member.forget row that pseudonymised it
};

// What `fabctl check` says about the audit log's hash chain.
struct AuditChainCheck {
    std::int64_t rows = 0;
    std::int64_t redacted = 0;                 // rows pseudonymised by members forget
    std::optional<std::int64_t> first_broken;  // id of the first row that does not verify
    std::string problem;                       // why, when first_broken is set
};

// What a retention purge removed.
struct PurgeCounts {
    std::int64_t unknown_badges = 0;  // sightings last seen before the cut-off
    std::int64_t ingest_errors = 0;   // refused payloads received before the cut-off
    std::int64_t conflicts = 0;       // conflicting duplicates received before the cut-off
};

// ---- web console (fabweb) ------------------------------------------------------------

enum class ManagerRole { Admin, Trainer, Treasurer };
std::string_view to_string(ManagerRole r);
std::optional<ManagerRole> manager_role_from_string(std::string_view s);

// A login to the web console. The password is never stored: password_hash is libsodium's
// crypto_pwhash_str (Argon2id) string, made and checked by fabweb.
struct ManagerAccount {
    std::string login;
    ManagerRole role = ManagerRole::Admin;
    std::vector<std::string> machines;  // a trainer's machines, "site/id"
    std::string password_hash;
    UnixMs created_at = 0;
    UnixMs updated_at = 0;
};

struct OpenOptions {
    bool create = true;
    bool verify_integrity = false;  // PRAGMA quick_check: the daemon pays it at start
    db::Durability durability = db::Durability::Full;
    int busy_timeout_ms = 5000;
};

class LedgerDb {
  public:
    // Refuses (Error naming the path) a file that is not SQLite, is corrupt, belongs to
    // another program or has a newer schema; such a file is never modified.
    static Result<LedgerDb> open(const std::string& path, const OpenOptions& options = {});

    LedgerDb(LedgerDb&&) noexcept;
    LedgerDb& operator=(LedgerDb&&) noexcept;
    ~LedgerDb();

    db::Database& database() { return db_; }
    // Changes when another connection (fabctl) commits: the daemon polls it.
    Result<std::int64_t> data_version() { return db_.data_version(); }

    // ---- members (audited) ----
    Status add_member(const Member& m, std::string_view actor, UnixMs now);
    Status update_member(const Member& m, std::string_view actor,
                         UnixMs now);  // all fields but created_at
    Status set_member_status(std::string_view id, MemberStatus status, std::string_view actor,
                             UnixMs now);
    // Deletes the member, unassigns their badges and removes their rights. Sessions keep the id.
    Status remove_member(std::string_view id, std::string_view actor, UnixMs now);
    Result<std::optional<Member>> member(std::string_view id);
    Result<std::vector<Member>> members();

    // ---- badges (audited) ----
    // Creates the badge if needed; a badge held by another member moves (one holder at a time).
    Status assign_badge(std::string_view uid, std::string_view member_id, std::string_view label,
                        std::string_view actor, UnixMs now);
    Status unassign_badge(std::string_view uid, std::string_view actor, UnixMs now);
    Status remove_badge(std::string_view uid, std::string_view actor, UnixMs now);
    Result<std::vector<Badge>> badges();
    Result<std::vector<Badge>> badges_of(std::string_view member_id);
    Result<std::vector<UnknownBadge>> unknown_badges();
    Status clear_unknown_badge(std::string_view uid, std::string_view actor, UnixMs now);

    // ---- machines (audited) ----
    Status upsert_machine(const Machine& m, std::string_view actor, UnixMs now);
    Status remove_machine(std::string_view site, std::string_view id, std::string_view actor,
                          UnixMs now);
    Result<std::optional<Machine>> machine(std::string_view site, std::string_view id);
    // The machine's maintenance lock, none if unlocked (or the machine does not exist).
    Result<std::optional<MaintenanceLock>> machine_lock(std::string_view site, std::string_view id);
    // Locks (or with nullopt unlocks) a machine for maintenance; audited as machine.maintenance.
    // The machine's next access list carries it.
    Status set_machine_lock(std::string_view site, std::string_view id,
                            const std::optional<MaintenanceLock>& lock, std::string_view actor,
                            UnixMs now);
    Result<std::vector<Machine>> machines();

    // ---- rights (audited) ----
    // Insert or replace the member's right on that target.
    Status grant_right(const Right& r, std::string_view actor, UnixMs now);
    Status revoke_right(std::string_view member_id, TargetKind kind, std::string_view target,
                        std::string_view actor, UnixMs now);
    Result<std::vector<Right>> rights();
    Result<std::vector<Right>> rights_of(std::string_view member_id);

    // ---- tariffs (audited, append-only) ----
    // Validates and inserts; returns the new id. Old rows are never changed (a trigger refuses).
    Result<std::int64_t> add_tariff(const Tariff& t, std::string_view actor, UnixMs now);
    Result<std::vector<Tariff>> tariffs();

    // ---- ingestion (daemon) ----
    // One transaction for the whole batch; outcomes are valid only if this returns a value.
    Result<IngestSummary> ingest(const IngestBatch& batch, UnixMs now);
    Result<std::optional<StoredSession>> session(std::string_view id);
    Result<std::int64_t> session_count();
    Result<std::vector<IngestErrorRow>> ingest_errors(int limit = 100);
    Result<ParkedSummary> parked_summary();
    // Retries held sessions (those of one machine when `site`/`machine` are given; with
    // `refused_too`, also refused rows that carry an id) through the usual ingest, so they are
    // priced as usual. Ingested rows become 'replayed'; the run is audited as errors.replay.
    Result<ReplayReport> replay_parked(std::string_view actor, UnixMs now,
                                       std::string_view site = {}, std::string_view machine = {},
                                       bool refused_too = false);
    Result<std::vector<ConflictRow>> conflicts(int limit = 100);
    Result<std::vector<RefusedCount>> refused_counts();
    Result<std::vector<MachineStateRow>> machine_states();

    // ---- access lists (daemon) ----
    // Builds the machine's list from members, badges and rights (core/acl_builder.hpp);
    // version and generated_at are left for the caller.
    Result<AccessList> build_access_list(const Machine& m, UnixMs now);
    // The same for many machines from one read of members, badges and rights (one snapshot).
    Result<std::vector<AccessList>> build_access_lists(std::span<const Machine> machines,
                                                       UnixMs now);
    Result<std::optional<AclVersionRow>> latest_acl_version(std::string_view site,
                                                            std::string_view machine);
    // Refuses a version that is not higher than the latest: versions never go down.
    Status record_acl_version(const AclVersionRow& row);

    // ---- reports ----
    // Sessions with from <= ended_at < to; grouped by member / by machine, per currency.
    Result<std::vector<UsageRow>> usage_by_member(UnixMs from, UnixMs to);
    Result<std::vector<UsageRow>> usage_by_machine(UnixMs from, UnixMs to);
    Result<std::vector<StoredSession>> sessions_between(UnixMs from, UnixMs to, int limit = 1000);

    // ---- billing ----
    // Puts every session with batch_id NULL and ended_at < period_end into a new batch,
    // including late sessions from periods closed earlier. Closing again with the same
    // period_end returns that batch unchanged. A period_end before the latest batch's end
    // (and not equal to an existing one) is refused.
    Result<BillingBatch> close_period(UnixMs period_end, std::string_view actor, UnixMs now);
    Result<std::vector<BillingBatch>> batches();
    Result<std::optional<BillingBatch>> batch(std::int64_t id);
    // CSV of a batch's sessions (header line first), streamed line by line to `sink`.
    // Columns: docs/ledger-schema.md, "Batch export".
    Status export_batch_csv(std::int64_t batch_id,
                            const std::function<void(std::string_view line)>& sink);

    // ---- audit ----
    Result<std::vector<AuditRow>> audit_log(int limit = 100);
    // An audit row for an action the ledger does not perform itself (a command sent to a
    // gate, the reason for a suspension). In its own transaction, or the caller's if open.
    Status record_audit(std::string_view actor, std::string_view action, std::string_view subject,
                        std::string_view before_json, std::string_view after_json, UnixMs now);

    // Walks the audit log in id order: each row's prev_hash is the previous row's row_hash,
    // row_hash covers the previous hash, the id and content_hash, and content_hash matches the
    // row's content unless members forget redacted the row (then the forget row must list it).
    Result<AuditChainCheck> verify_audit_chain();

    // ---- members' data (docs/privacy.md) ----
    // Everything held about one member, as one JSON document.
    Result<std::string> export_member(std::string_view id);
    // Pseudonymises the member everywhere (members row, badges, rights, sessions, machine
    // state, unknown badges, stored payloads, audit rows); amounts and batches are unchanged.
    // Returns the pseudonym that replaces the id. Audited as member.forget.
    Result<std::string> forget_member(std::string_view id, std::string_view actor, UnixMs now);
    // Deletes unknown-badge sightings, refused payloads and conflicts older than `cut_off`.
    // Audited as privacy.purge when it removed anything.
    Result<PurgeCounts> purge_expired(UnixMs cut_off, std::string_view actor, UnixMs now);

    // ---- web console accounts (ledger_db_console.cpp; audited without the hash) ----
    // Creates the account or replaces its role, machines and hash (manager.add / .update).
    Status put_manager(const ManagerAccount& account, std::string_view actor, UnixMs now);
    Status remove_manager(std::string_view login, std::string_view actor, UnixMs now);
    Result<std::optional<ManagerAccount>> manager(std::string_view login);
    Result<std::vector<ManagerAccount>> managers();

    struct Impl;  // opaque: prepared statements reused by ingest

  private:
    explicit LedgerDb(db::Database db);
    db::Database db_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fabgate::ledger

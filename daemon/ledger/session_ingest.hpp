#pragma once
// Ingest of what the gates publish: finished sessions (stored once, priced once, a same-id
// different-content copy kept as a conflict), machine states and unknown badges, in one
// transaction per batch; and the sessions held back until the manager adds what they lack.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/enum_names.hpp"
#include "core/messages.hpp"
#include "core/result.hpp"
#include "core/tariff.hpp"
#include "core/topics.hpp"
#include "ledger/machine_store.hpp"
#include "ledger/tariff_book.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

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
// The same into a fresh `item` already where it is kept (moving one costs about as much as
// filling it), for a topic the caller has parsed (nullopt: not a machine topic).
void classify_session_message(IngestItem& item, std::string_view topic,
                              std::optional<topics::MachineTopic> parsed_topic,
                              std::string_view payload);
// What sessions.payload_hash holds: a hash of the canonical encoding, so key order or spacing
// in a re-sent payload does not turn a duplicate into a conflict.
std::string session_payload_hash(const SessionRecord& s);

enum class IngestResult {
    Stored,     // new session, stored (priced if a tariff applied)
    Duplicate,  // same id, same content: stored once already
    Conflict,   // same id, different content: kept in session_conflicts
    Rejected,   // has an id but failed validation / wrong topic (refused), or lacks a machine,
                // member or tariff the manager can add (held): ingest_errors
    Unackable,  // not JSON or no usable id: ingest_errors, cannot be acknowledged
};
EnumNameTable<IngestResult> enum_names(IngestResult);  // stored, duplicate, conflict, ...
using fabgate::to_string;

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

// How many sessions ended each way: in one batch, or in all the ledger has ingested since start.
struct IngestCounts {
    std::int64_t stored = 0, duplicates = 0, conflicts = 0, rejected = 0, unackable = 0;
    IngestCounts& operator+=(const IngestCounts& more);
};

struct IngestSummary : IngestCounts {
    std::vector<IngestOutcome> outcomes;  // one per IngestBatch::sessions item, same order
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

// Sessions held because their machine, member or tariff is missing: acked to the gate, not yet
// billed.
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
    std::int64_t refused = 0;     // every refusal and conflict since the ledger was created
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

// The ingest steps (session_ingest.cpp), pricing (session_ingest_pricing.cpp) and what they read
// back (session_ingest_rows.cpp).
class SessionIngest {
  public:
    SessionIngest(db::Database& db, MachineStore& machines, TariffBook& tariffs)
        : db_(db), machines_(machines), tariffs_(tariffs) {}
    SessionIngest(const SessionIngest&) = delete;
    SessionIngest& operator=(const SessionIngest&) = delete;

    // One transaction for the whole batch; outcomes are valid only if this returns a value.
    Result<IngestSummary> apply(const IngestBatch& batch, UnixMs now);
    // Retries held sessions (those of one machine when `site`/`machine` are given; with
    // `refused_too`, also refused rows that carry an id) through apply(), so they are priced
    // as usual. Ingested rows become 'replayed'; the run is audited as errors.replay.
    Result<ReplayReport> replay_parked(std::string_view actor, UnixMs now,
                                       std::string_view site = {}, std::string_view machine = {},
                                       bool refused_too = false);
    Result<ParkedSummary> parked_summary();
    Result<std::vector<IngestErrorRow>> ingest_errors(int limit = 100);
    Result<std::vector<ConflictRow>> conflicts(int limit = 100);
    Result<std::vector<RefusedCount>> refused_counts();
    Result<std::vector<MachineStateRow>> machine_states();

  private:
    // A member's class history (by valid_from) and current class (none once removed).
    struct MemberClasses {
        std::vector<std::pair<UnixMs, std::string>> history;
        std::optional<std::string> current;
    };
    // Machines and valid tariffs, kept from batch to batch while nothing changed the database
    // in between (catalogue_is_current); each member's classes read at their first session of a
    // batch and dropped with it, so a class changed between batches is seen by the next one.
    struct Catalogue {
        std::map<std::pair<std::string, std::string>, std::optional<std::string>> machine_groups;
        std::vector<Tariff> tariffs;  // only those that pass validate()
        std::map<std::string, MemberClasses, std::less<>> member_classes;
    };
    struct PricedSession {
        std::optional<SessionPrice> price;         // none: no tariff applies, stored unpriced
        std::optional<std::string> combined_with;  // the first session of its combined group
        // Not empty: what the manager must add before the session can be priced; it is held.
        std::string held_because;
    };
    Status prepare_statements();
    Result<Catalogue> read_catalogue();
    // The catalogue for a batch, inside its transaction: the one kept, or read afresh.
    Result<Catalogue*> batch_catalogue();
    Result<bool> catalogue_is_current();
    Status ingest_sessions(const IngestBatch& batch, UnixMs now, IngestSummary& summary);
    Result<IngestOutcome> ingest_one(const IngestItem& item, Catalogue& catalogue,
                                     bool record_refusals, UnixMs now);
    Result<std::optional<std::string>> stored_hash(const std::string& id);
    Status resent(const IngestItem& item, const std::string& stored_hash, const std::string& hash,
                  UnixMs now, IngestOutcome& out);
    Status record_conflict(const IngestItem& item, const std::string& stored_hash,
                           const std::string& hash, UnixMs now);
    Result<std::optional<std::string>> member_class_at(Catalogue& catalogue,
                                                       const std::string& member, UnixMs at);
    Result<PricedSession> price(const SessionRecord& s, Catalogue& catalogue,
                                const std::optional<std::string>& group);
    // False when a session with this id is already stored (nothing written).
    Result<bool> insert_session(const SessionRecord& s, const std::string& hash,
                                const PricedSession& priced, UnixMs now);
    Status write_states(const std::vector<StateUpdate>& states, UnixMs now);
    Status write_unknown_badges(const std::vector<SeenBadge>& badges);
    Status record_unclassified(const IngestBatch& batch, UnixMs now);

    db::Database& db_;
    MachineStore& machines_;
    TariffBook& tariffs_;
    // Statements run for every message, prepared once per connection.
    bool prepared_ = false;
    db::Statement find_session_hash_;
    db::Statement insert_session_;
    db::Statement insert_conflict_;
    db::Statement member_classes_;
    db::Statement combine_previous_;
    db::Statement combine_group_;
    db::Statement upsert_state_;
    db::Statement upsert_unknown_badge_;
    db::Statement data_version_;
    // What the kept catalogue was read under: another connection's commit changes the data
    // version, one of this connection's own writes (a fabctl command in this process, an access
    // list recorded by the daemon) its count of changed rows. Either reads it again.
    std::optional<Catalogue> catalogue_;
    std::int64_t catalogue_data_version_ = 0;
    std::int64_t changes_after_last_batch_ = -1;
};

}  // namespace fabgate::ledger

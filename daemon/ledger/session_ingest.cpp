// Ingest of a batch of gate messages, in named steps inside one transaction: the machines and
// tariffs are read once, each session is refused, held, recognised as a duplicate or a
// conflict, or priced and stored; then machine states, unknown badges and unclassified
// payloads are written.
#include "ledger/session_ingest.hpp"

#include <sqlite3.h>

#include <charconv>
#include <map>
#include <utility>

#include "core/enum_names.hpp"
#include "core/json_reader.hpp"
#include "core/tariff.hpp"
#include "core/topics.hpp"
#include "ledger/db_util.hpp"

namespace fabgate::ledger {

using detail::in_transaction;

namespace {

constexpr EnumNames<IngestResult, 5> kIngestResultNames{{{IngestResult::Stored, "stored"},
                                                         {IngestResult::Duplicate, "duplicate"},
                                                         {IngestResult::Conflict, "conflict"},
                                                         {IngestResult::Rejected, "rejected"},
                                                         {IngestResult::Unackable, "unackable"}}};

// Where the counts keep each result.
constexpr std::pair<IngestResult, std::int64_t IngestCounts::*> kResultCounts[] = {
    {IngestResult::Stored, &IngestCounts::stored},
    {IngestResult::Duplicate, &IngestCounts::duplicates},
    {IngestResult::Conflict, &IngestCounts::conflicts},
    {IngestResult::Rejected, &IngestCounts::rejected},
    {IngestResult::Unackable, &IngestCounts::unackable}};

}  // namespace

IngestCounts& IngestCounts::operator+=(const IngestCounts& more) {
    for (const auto& entry : kResultCounts) this->*entry.second += more.*entry.second;
    return *this;
}

EnumNameTable<IngestResult> enum_names(IngestResult) {
    return kIngestResultNames.table("unknown");
}

std::string session_payload_hash(const SessionRecord& s) {
    // Every field in a fixed order, each length-prefixed so no two records read the same.
    // Far cheaper than re-encoding JSON, and blind to key order or spacing in the payload.
    // Hashed field by field: the same value as hashing the joined text, without building it
    // (appending the pieces cost more than the hash).
    detail::Fnv1a64 hash;
    auto put = [&](std::string_view v) {
        char length[24];
        auto end = std::to_chars(length, length + sizeof length, v.size()).ptr;
        hash.add(std::string_view(length, static_cast<std::size_t>(end - length))).add(":").add(v);
    };
    auto put_number = [&](std::int64_t n) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
    };
    put(s.id);
    put(s.site);
    put(s.machine);
    put(s.uid);
    put(s.member);
    put(to_string(s.role));
    put_number(s.started_at);
    put_number(s.ended_at);
    put(s.clock_synced ? "1" : "0");
    put_number(s.powered_ms);
    if (s.active_ms)
        put_number(*s.active_ms);
    else
        put("null");
    put(to_string(s.end_reason));
    put(s.ended_by);
    return hash.hex();
}

IngestItem classify_session_message(std::string_view topic, std::string_view payload) {
    IngestItem item;
    classify_session_message(item, topic, topics::parse(topic), payload);
    return item;
}

void classify_session_message(IngestItem& item, std::string_view topic,
                              std::optional<topics::MachineTopic> parsed_topic,
                              std::string_view payload) {
    item.topic = std::string(topic);
    item.payload = std::string(payload);
    if (parsed_topic && parsed_topic->leaf == "sessions") {
        item.topic_site = std::move(parsed_topic->site);
        item.topic_machine = std::move(parsed_topic->machine);
    }
    auto decoded = decode_session(payload);
    if (decoded) {
        item.id = decoded->id;
        if (item.topic_site.empty()) {
            item.reason = "topic is not fabgate/<site>/machines/<machine>/sessions";
        } else if (decoded->site != item.topic_site || decoded->machine != item.topic_machine) {
            item.reason = "session of " + decoded->site + "/" + decoded->machine +
                          " arrived on the topic of " + item.topic_site + "/" + item.topic_machine;
        } else {
            item.session = std::move(*decoded);
        }
        return;
    }
    item.reason = decoded.error().message();
    // An invalid payload is still acknowledged when its id can be read, so the gate stops
    // resending something that will never pass.
    if (auto doc = parse_json(payload, "session", kMaxPayloadBytes); doc && doc->is_object()) {
        auto it = doc->find("id");
        if (it != doc->end() && it->is_string()) {
            auto id = it->get<std::string>();
            if (!id.empty() && id.size() <= 64) item.id = std::move(id);
        }
    }
}

namespace {

// `held`: a valid session the ledger can take once the manager adds what it lacks.
Status record_refusal(db::Database& db, const IngestItem& item, const std::string& reason,
                      bool held, UnixMs now) {
    if (held && item.session) {
        const std::string canonical = encode(*item.session);
        detail::HeldSession h{item.session->site, item.session->machine, item.session->powered_ms,
                              canonical};
        return detail::record_refused(db, now, item.topic, item.id, reason, item.payload, &h);
    }
    return detail::record_refused(db, now, item.topic, item.id, reason, item.payload);
}

void count_outcomes(IngestSummary& summary) {
    for (const auto& outcome : summary.outcomes)
        for (const auto& [result, count] : kResultCounts)
            if (result == outcome.result) ++(summary.*count);
}

}  // namespace

Result<IngestSummary> SessionIngest::apply(const IngestBatch& batch, UnixMs now) {
    if (!prepared_) TRY(prepare_statements());
    auto applied = in_transaction(db_, [&]() -> Result<IngestSummary> {
        IngestSummary summary;
        TRY(ingest_sessions(batch, now, summary));
        count_outcomes(summary);
        TRY(write_states(batch.states, now));
        TRY(write_unknown_badges(batch.unknown_badges));
        TRY(record_unclassified(batch, now));
        return summary;
    });
    // Counted after the commit, so the batch's own rows do not count as a change; a batch that
    // rolled back leaves nothing to trust.
    if (applied)
        changes_after_last_batch_ = sqlite3_total_changes64(db_.handle());
    else
        catalogue_.reset();
    return applied;
}

Result<bool> SessionIngest::catalogue_is_current() {
    TRY(data_version_.step());
    const std::int64_t version = data_version_.int64(0);
    data_version_.reset();
    const bool current = catalogue_ && version == catalogue_data_version_ &&
                         sqlite3_total_changes64(db_.handle()) == changes_after_last_batch_;
    catalogue_data_version_ = version;
    return current;
}

Result<SessionIngest::Catalogue*> SessionIngest::batch_catalogue() {
    TRY_ASSIGN(bool current, catalogue_is_current());
    if (!current) {
        catalogue_.reset();
        TRY_ASSIGN(auto read, read_catalogue());
        catalogue_ = std::move(read);
    }
    catalogue_->member_classes.clear();
    return &*catalogue_;
}

Result<SessionIngest::Catalogue> SessionIngest::read_catalogue() {
    Catalogue catalogue;
    TRY_ASSIGN(auto machines, machines_.all());
    for (auto& m : machines) catalogue.machine_groups[{m.site, m.id}] = m.group_name;
    TRY_ASSIGN(auto tariffs, tariffs_.all());
    // A row written around TariffBook::add() (raw SQL) could break the bounds that keep the
    // integer arithmetic exact: such a row prices nothing.
    for (auto& t : tariffs)
        if (validate(t)) catalogue.tariffs.push_back(std::move(t));
    return catalogue;
}

Status SessionIngest::ingest_sessions(const IngestBatch& batch, UnixMs now,
                                      IngestSummary& summary) {
    if (batch.sessions.empty()) return {};
    TRY_ASSIGN(Catalogue * catalogue, batch_catalogue());
    summary.outcomes.reserve(batch.sessions.size());
    for (const auto& item : batch.sessions) {
        TRY_ASSIGN(auto outcome, ingest_one(item, *catalogue, batch.record_refusals, now));
        summary.outcomes.push_back(std::move(outcome));
    }
    return {};
}

Result<IngestOutcome> SessionIngest::ingest_one(const IngestItem& item, Catalogue& catalogue,
                                                bool record_refusals, UnixMs now) {
    IngestOutcome out{IngestResult::Stored, item.id, item.topic_site, item.topic_machine, {}};
    if (!item.session) {
        out.result = item.id.empty() ? IngestResult::Unackable : IngestResult::Rejected;
        out.reason = item.reason.empty() ? "not a session" : item.reason;
        if (record_refusals) TRY(record_refusal(db_, item, out.reason, false, now));
        return out;
    }
    const auto& s = *item.session;
    auto machine = catalogue.machine_groups.find({s.site, s.machine});
    if (machine == catalogue.machine_groups.end()) {
        out.result = IngestResult::Rejected;
        out.reason = "unknown machine " + s.site + "/" + s.machine + " (register it with fabctl)";
        if (record_refusals) TRY(record_refusal(db_, item, out.reason, true, now));
        return out;
    }
    // Resends are rare: rather than look every id up first, the INSERT's unique id tells them
    // apart, and only then is the stored row read. A stored session is a resend whatever its
    // pricing would say now.
    const std::string hash = session_payload_hash(s);
    TRY_ASSIGN(auto priced, price(s, catalogue, machine->second));
    if (priced.held_because.empty()) {
        TRY_ASSIGN(bool inserted, insert_session(s, hash, priced, now));
        if (inserted) return out;
    }
    TRY_ASSIGN(auto stored, stored_hash(s.id));
    if (stored) {
        TRY(resent(item, *stored, hash, now, out));
        return out;
    }
    if (priced.held_because.empty())
        return fail("ingest", "session " + s.id + " was neither stored nor found stored");
    out.result = IngestResult::Rejected;
    out.reason = std::move(priced.held_because);
    if (record_refusals) TRY(record_refusal(db_, item, out.reason, true, now));
    return out;
}

Status SessionIngest::resent(const IngestItem& item, const std::string& stored_hash,
                             const std::string& hash, UnixMs now, IngestOutcome& out) {
    if (stored_hash == hash) {
        out.result = IngestResult::Duplicate;
        return {};
    }
    out.result = IngestResult::Conflict;
    out.reason = "same id, different content: stored row kept, newcomer in session_conflicts";
    return record_conflict(item, stored_hash, hash, now);
}

Result<std::optional<std::string>> SessionIngest::stored_hash(const std::string& id) {
    find_session_hash_.bind_unowned(1, id);
    TRY_ASSIGN(bool found, find_session_hash_.step());
    std::optional<std::string> hash;
    if (found) hash = find_session_hash_.text(0);
    find_session_hash_.reset();
    return hash;
}

Status SessionIngest::record_conflict(const IngestItem& item, const std::string& stored_hash,
                                      const std::string& hash, UnixMs now) {
    // Evidence, not a store: bounded like a refused payload, and under the same per-machine
    // rate, so a gate login resending ever-different copies cannot grow the database.
    TRY_ASSIGN(bool keep_payload,
               detail::count_refusal(db_, now, item.topic_site, item.topic_machine));
    auto& st = insert_conflict_;
    st.bind(1, item.id).bind(2, now).bind(3, item.topic).bind(4, stored_hash).bind(5, hash);
    std::string_view payload = item.payload;
    st.bind(6, keep_payload ? payload.substr(0, kRefusedPayloadKeepBytes) : std::string_view(""))
        .bind(7, static_cast<std::int64_t>(payload.size()))
        .bind(8, detail::sha256_hex(payload));
    return st.run();
}

// The text is bound without SQLite's copy: `s`, `hash` and `priced` outlive run(), and the names
// of the enums are static.
Result<bool> SessionIngest::insert_session(const SessionRecord& s, const std::string& hash,
                                           const PricedSession& priced, UnixMs now) {
    auto& ins = insert_session_;
    ins.bind_unowned(1, s.id).bind_unowned(2, s.site).bind_unowned(3, s.machine);
    ins.bind_unowned(4, s.uid).bind_unowned(5, s.member).bind_unowned(6, to_string(s.role));
    ins.bind(7, s.started_at).bind(8, s.ended_at);
    ins.bind(9, s.clock_synced ? 1 : 0).bind(10, s.powered_ms).bind(11, s.active_ms);
    ins.bind_unowned(12, to_string(s.end_reason)).bind_unowned(13, s.ended_by);
    ins.bind_unowned(14, hash).bind(15, now);
    if (const auto& p = priced.price) {
        ins.bind(16, p->tariff_id).bind(17, p->billable_s).bind(18, p->amount_minor);
        ins.bind_unowned(19, p->currency).bind(20, p->minimum_applied ? 1 : 0);
        ins.bind(21, p->rounded ? 1 : 0);
    } else {
        ins.bind_null(16).bind(17, std::int64_t{0}).bind_null(18).bind_unowned(19, "");
        ins.bind(20, 0).bind(21, 0);
    }
    ins.bind(22, priced.combined_with);
    TRY(ins.run());
    return db_.changes() > 0;
}

Status SessionIngest::write_states(const std::vector<StateUpdate>& states, UnixMs now) {
    for (const auto& u : states) {
        auto& st = upsert_state_;
        st.bind(1, u.site).bind(2, u.machine).bind(3, to_string(u.status.state));
        st.bind(4, u.status.since).bind(5, u.status.member).bind(6, u.status.name);
        st.bind(7, u.status.session).bind(8, u.status.detail).bind(9, u.status.acl_version);
        st.bind(10, now);
        TRY(st.run());
    }
    return {};
}

Status SessionIngest::write_unknown_badges(const std::vector<SeenBadge>& badges) {
    for (const auto& b : badges) {
        upsert_unknown_badge_.bind(1, b.uid).bind(2, b.site).bind(3, b.machine).bind(4, b.at);
        TRY(upsert_unknown_badge_.run());
    }
    return {};
}

Status SessionIngest::record_unclassified(const IngestBatch& batch, UnixMs now) {
    if (!batch.record_refusals) return {};
    for (std::size_t n = 0; n < batch.bad_topics_payloads.size(); ++n) {
        IngestItem bad;
        bad.topic = batch.bad_topics_payloads[n].first;
        bad.payload = batch.bad_topics_payloads[n].second;
        auto reason = n < batch.bad_reasons.size() ? batch.bad_reasons[n] : std::string("refused");
        TRY(record_refusal(db_, bad, reason, false, now));
    }
    return {};
}

Status SessionIngest::prepare_statements() {
    struct Entry {
        db::Statement* target;
        std::string_view sql;
    };
    const Entry entries[] = {
        {&find_session_hash_, "SELECT payload_hash FROM sessions WHERE id = ?1"},
        {&data_version_, "PRAGMA data_version"},
        {&insert_session_,
         "INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, "
         "clock_synced, powered_ms, active_ms, end_reason, ended_by, payload_hash, received_at, "
         "tariff_id, billable_s, amount_minor, currency, minimum_applied, rounded, combined_with) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
         "?19, ?20, ?21, ?22) ON CONFLICT(id) DO NOTHING"},
        {&insert_conflict_,
         "INSERT INTO session_conflicts(session_id, received_at, topic, stored_hash, payload_hash, "
         "payload, payload_size, payload_sha256) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(session_id, payload_hash) DO UPDATE "
         "SET repeats = repeats + 1"},
        // A member's current class (valid_from NULL), then their class history by valid_from.
        {&member_classes_,
         "SELECT valid_from, member_class FROM member_class_history WHERE member_id = ?1 "
         "UNION ALL SELECT NULL, member_class FROM members WHERE id = ?1 "
         "ORDER BY valid_from"},
        // The member's latest session under the same tariff that started no later and ended
        // less than the combine window before this one started: its group's first session.
        {&combine_previous_,
         "SELECT coalesce(combined_with, id) FROM sessions WHERE member_id = ?1 AND site = ?2 "
         "AND tariff_id = ?3 AND started_at <= ?4 AND ended_at > ?4 - ?5 "
         "ORDER BY started_at DESC, id DESC LIMIT 1"},
        {&combine_group_,
         "SELECT coalesce(sum(CASE WHEN ?2 = 'active' AND active_ms IS NOT NULL THEN active_ms "
         "ELSE powered_ms END), 0), coalesce(sum(billable_s), 0), coalesce(sum(amount_minor), 0) "
         "FROM sessions WHERE id = ?1 OR combined_with = ?1"},
        {&upsert_state_,
         "INSERT INTO machine_state(site, machine, state, since, member, name, session, detail, "
         "acl_version, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
         "ON CONFLICT(site, machine) DO UPDATE SET state = excluded.state, "
         "since = excluded.since, member = excluded.member, name = excluded.name, "
         "session = excluded.session, detail = excluded.detail, "
         "acl_version = excluded.acl_version, updated_at = excluded.updated_at"},
        {&upsert_unknown_badge_,
         "INSERT INTO unknown_badges(uid, site, machine, first_seen_at, last_seen_at, count) "
         "VALUES(?1, ?2, ?3, ?4, ?4, 1) ON CONFLICT(uid, site, machine) DO UPDATE SET "
         "last_seen_at = max(last_seen_at, excluded.last_seen_at), count = count + 1"},
    };
    for (const auto& e : entries) {
        TRY_ASSIGN(*e.target, db_.prepare(e.sql));
    }
    prepared_ = true;
    return {};
}

}  // namespace fabgate::ledger

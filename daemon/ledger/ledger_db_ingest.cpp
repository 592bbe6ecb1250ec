// Ingestion of gate messages and everything the daemon reads for access lists.
#include <map>

#include <nlohmann/json.hpp>

#include "core/acl_builder.hpp"
#include "core/json_reader.hpp"
#include "core/topics.hpp"
#include "ledger/db_util.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger/ledger_db_impl.hpp"

namespace fabgate::ledger {

using detail::for_each_row;
using detail::in_transaction;
using detail::run;

std::string_view to_string(IngestResult r) {
    switch (r) {
        case IngestResult::Stored:
            return "stored";
        case IngestResult::Duplicate:
            return "duplicate";
        case IngestResult::Conflict:
            return "conflict";
        case IngestResult::Rejected:
            return "rejected";
        case IngestResult::Unackable:
            return "unackable";
    }
    return "unknown";
}

std::string session_payload_hash(const SessionRecord& s) {
    // Every field in a fixed order, each length-prefixed so no two records read the same.
    // Far cheaper than re-encoding JSON, and blind to key order or spacing in the payload.
    std::string canonical;
    canonical.reserve(256);
    auto put = [&](std::string_view v) {
        canonical.append(std::to_string(v.size())).push_back(':');
        canonical.append(v);
    };
    put(s.id);
    put(s.site);
    put(s.machine);
    put(s.uid);
    put(s.member);
    put(to_string(s.role));
    put(std::to_string(s.started_at));
    put(std::to_string(s.ended_at));
    put(s.clock_synced ? "1" : "0");
    put(std::to_string(s.powered_ms));
    put(s.active_ms ? std::to_string(*s.active_ms) : "null");
    put(to_string(s.end_reason));
    put(s.ended_by);
    return detail::fnv1a_hex(canonical);
}

std::string acl_content_hash(const AccessList& list) {
    AccessList content = list;
    content.version = 0;
    content.generated_at = 0;
    return detail::fnv1a_hex(signed_content(content));
}

IngestItem classify_session_message(std::string_view topic, std::string_view payload) {
    IngestItem item;
    item.topic = std::string(topic);
    item.payload = std::string(payload);
    auto parsed_topic = topics::parse(topic);
    if (parsed_topic && parsed_topic->leaf == "sessions") {
        item.topic_site = parsed_topic->site;
        item.topic_machine = parsed_topic->machine;
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
        return item;
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
    return item;
}

namespace {

Status prepare_all(db::Database& db, LedgerDb::Impl& impl);

struct CombinedGroup {
    std::string first_session;
    CombinedSoFar so_far;
};

// The combined group a new session continues (docs/ledger-schema.md, "Combined sessions"), or
// none: no window, no earlier session close enough, or the group would pass kMaxBasisMs.
// Rows already stored are read, never changed: a closed batch is never repriced.
Result<std::optional<CombinedGroup>> combined_group(LedgerDb::Impl& im, const Tariff& t,
                                                    const SessionRecord& s) {
    if (t.combine_window_s <= 0) return std::nullopt;
    auto& prev = im.combine_previous;
    prev.bind(1, s.member).bind(2, s.site).bind(3, t.id).bind(4, s.started_at);
    prev.bind(5, t.combine_window_s * 1000);
    auto row = prev.step();
    if (!row) return tl::unexpected(row.error());
    std::optional<std::string> first;
    if (*row) first = prev.text(0);
    prev.reset();
    if (!first) return std::nullopt;
    auto& sums = im.combine_group;
    sums.bind(1, *first).bind(2, to_string(t.basis));
    auto total = sums.step();
    if (!total) return tl::unexpected(total.error());
    CombinedGroup group{*first, {sums.int64(0), sums.int64(1), sums.int64(2)}};
    sums.reset();
    if (group.so_far.basis_ms + session_basis_ms(t, s.powered_ms, s.active_ms) > kMaxBasisMs)
        return std::nullopt;
    return group;
}

}  // namespace

Result<IngestSummary> LedgerDb::ingest(const IngestBatch& batch, UnixMs now) {
    if (!impl_->prepared) {
        if (auto s = prepare_all(db_, *impl_); !s) return tl::unexpected(s.error());
    }
    auto& im = *impl_;
    return in_transaction(db_, [&]() -> Result<IngestSummary> {
        IngestSummary summary;
        summary.outcomes.reserve(batch.sessions.size());
        std::map<std::pair<std::string, std::string>, std::optional<std::string>> machine_groups;
        std::vector<Tariff> tariff_rows;
        bool loaded = false;

        // `held`: a session the ledger can take once the manager adds what it lacks.
        auto record_error = [&](const IngestItem& item, const std::string& reason,
                                bool held = false) -> Status {
            if (!batch.record_refusals) return {};
            if (held && item.session) {
                detail::HeldSession h{item.session->site, item.session->machine,
                                      item.session->powered_ms};
                return detail::record_refused(db_, now, item.topic, item.id, reason, item.payload,
                                              &h);
            }
            return detail::record_refused(db_, now, item.topic, item.id, reason, item.payload);
        };

        for (const auto& item : batch.sessions) {
            IngestOutcome out;
            out.id = item.id;
            out.ack_site = item.topic_site;
            out.ack_machine = item.topic_machine;
            if (!loaded) {
                auto ms = machines();
                if (!ms) return tl::unexpected(ms.error());
                for (auto& m : *ms) machine_groups[{m.site, m.id}] = m.group_name;
                auto ts = tariffs();
                if (!ts) return tl::unexpected(ts.error());
                // A row written around add_tariff() (raw SQL) could break the bounds that keep
                // the integer arithmetic exact: such a row prices nothing.
                for (auto& t : *ts)
                    if (validate(t)) tariff_rows.push_back(std::move(t));
                loaded = true;
            }
            if (!item.session) {
                out.result = item.id.empty() ? IngestResult::Unackable : IngestResult::Rejected;
                out.reason = item.reason.empty() ? "not a session" : item.reason;
                if (auto s = record_error(item, out.reason); !s) return tl::unexpected(s.error());
                summary.outcomes.push_back(std::move(out));
                continue;
            }
            const auto& s = *item.session;
            auto machine_it = machine_groups.find({s.site, s.machine});
            if (machine_it == machine_groups.end()) {
                out.result = IngestResult::Rejected;
                out.reason =
                    "unknown machine " + s.site + "/" + s.machine + " (register it with fabctl)";
                if (auto e = record_error(item, out.reason, true); !e)
                    return tl::unexpected(e.error());
                summary.outcomes.push_back(std::move(out));
                continue;
            }
            std::string hash = session_payload_hash(s);
            im.find_session_hash.bind(1, s.id);
            auto row = im.find_session_hash.step();
            if (!row) return tl::unexpected(row.error());
            std::optional<std::string> stored_hash;
            if (*row) stored_hash = im.find_session_hash.text(0);
            im.find_session_hash.reset();
            if (stored_hash) {
                if (*stored_hash == hash) {
                    out.result = IngestResult::Duplicate;
                } else {
                    out.result = IngestResult::Conflict;
                    out.reason =
                        "same id, different content: stored row kept, newcomer in "
                        "session_conflicts";
                    im.insert_conflict.bind(1, s.id)
                        .bind(2, now)
                        .bind(3, item.topic)
                        .bind(4, *stored_hash);
                    // Evidence, not a store: bounded like a refused payload.
                    std::string_view payload = item.payload;
                    im.insert_conflict.bind(5, hash)
                        .bind(6, payload.substr(0, kRefusedPayloadKeepBytes))
                        .bind(7, static_cast<std::int64_t>(payload.size()))
                        .bind(8, detail::sha256_hex(payload));
                    if (auto e = im.insert_conflict.run(); !e) return tl::unexpected(e.error());
                }
                summary.outcomes.push_back(std::move(out));
                continue;
            }
            // Price with the tariff and member class in force when the session started, once
            // and for good.
            im.member_class.bind(1, s.member).bind(2, s.started_at);
            auto class_row = im.member_class.step();
            if (!class_row) return tl::unexpected(class_row.error());
            std::string member_class = *class_row ? im.member_class.text(0) : std::string();
            im.member_class.reset();
            std::optional<std::string_view> group;
            if (machine_it->second) group = *machine_it->second;
            const Tariff* tariff =
                select_tariff(tariff_rows, s.machine, group, member_class, s.started_at);
            std::optional<SessionPrice> price;
            std::optional<std::string> combined_with;
            if (tariff) {
                auto combined = combined_group(im, *tariff, s);
                if (!combined) return tl::unexpected(combined.error());
                if (*combined) {
                    combined_with = (*combined)->first_session;
                    price =
                        price_continuation(*tariff, (*combined)->so_far, s.powered_ms, s.active_ms);
                } else {
                    price = price_session(*tariff, s.powered_ms, s.active_ms);
                }
            }

            auto& ins = im.insert_session;
            ins.bind(1, s.id).bind(2, s.site).bind(3, s.machine).bind(4, s.uid).bind(5, s.member);
            ins.bind(6, to_string(s.role))
                .bind(7, s.started_at)
                .bind(8, s.ended_at)
                .bind(9, s.clock_synced ? 1 : 0);
            ins.bind(10, s.powered_ms)
                .bind(11, s.active_ms)
                .bind(12, to_string(s.end_reason))
                .bind(13, s.ended_by);
            ins.bind(14, hash).bind(15, now);
            if (price) {
                ins.bind(16, price->tariff_id)
                    .bind(17, price->billable_s)
                    .bind(18, price->amount_minor);
                ins.bind(19, price->currency)
                    .bind(20, price->minimum_applied ? 1 : 0)
                    .bind(21, price->rounded ? 1 : 0);
            } else {
                ins.bind_null(16).bind(17, std::int64_t{0}).bind_null(18).bind(19, "");
                ins.bind(20, 0).bind(21, 0);
            }
            ins.bind(22, combined_with);
            if (auto e = ins.run(); !e) return tl::unexpected(e.error());
            out.result = IngestResult::Stored;
            summary.outcomes.push_back(std::move(out));
        }
        for (const auto& o : summary.outcomes) {
            switch (o.result) {
                case IngestResult::Stored:
                    ++summary.stored;
                    break;
                case IngestResult::Duplicate:
                    ++summary.duplicates;
                    break;
                case IngestResult::Conflict:
                    ++summary.conflicts;
                    break;
                case IngestResult::Rejected:
                    ++summary.rejected;
                    break;
                case IngestResult::Unackable:
                    ++summary.unackable;
                    break;
            }
        }
        for (const auto& u : batch.states) {
            auto& st = im.upsert_state;
            st.bind(1, u.site)
                .bind(2, u.machine)
                .bind(3, to_string(u.status.state))
                .bind(4, u.status.since);
            st.bind(5, u.status.member)
                .bind(6, u.status.name)
                .bind(7, u.status.session)
                .bind(8, u.status.detail);
            st.bind(9, u.status.acl_version).bind(10, now);
            if (auto e = st.run(); !e) return tl::unexpected(e.error());
        }
        for (const auto& b : batch.unknown_badges) {
            im.upsert_unknown_badge.bind(1, b.uid).bind(2, b.site).bind(3, b.machine).bind(4, b.at);
            if (auto e = im.upsert_unknown_badge.run(); !e) return tl::unexpected(e.error());
        }
        for (std::size_t n = 0; n < batch.bad_topics_payloads.size(); ++n) {
            IngestItem bad;
            bad.topic = batch.bad_topics_payloads[n].first;
            bad.payload = batch.bad_topics_payloads[n].second;
            auto reason =
                n < batch.bad_reasons.size() ? batch.bad_reasons[n] : std::string("refused");
            if (auto e = record_error(bad, reason); !e) return tl::unexpected(e.error());
        }
        return summary;
    });
}

namespace {

Status prepare_all(db::Database& db, LedgerDb::Impl& impl) {
    struct Entry {
        db::Statement* target;
        std::string_view sql;
    };
    const Entry entries[] = {
        {&impl.find_session_hash, "SELECT payload_hash FROM sessions WHERE id = ?1"},
        {&impl.insert_session,
         "INSERT INTO sessions(id, site, machine, uid, member_id, role, started_at, ended_at, "
         "clock_synced, "
         "powered_ms, active_ms, end_reason, ended_by, payload_hash, received_at, tariff_id, "
         "billable_s, "
         "amount_minor, currency, minimum_applied, rounded, combined_with) VALUES(?1, ?2, ?3, ?4, "
         "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"},
        {&impl.insert_conflict,
         "INSERT INTO session_conflicts(session_id, received_at, topic, stored_hash, payload_hash, "
         "payload, payload_size, payload_sha256) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(session_id, payload_hash) DO UPDATE "
         "SET repeats = repeats + 1"},
        // The class in force at the session's start; a member written around the ledger's API
        // (no history) has their current class.
        {&impl.member_class,
         "SELECT coalesce((SELECT member_class FROM member_class_history WHERE member_id = ?1 "
         "AND valid_from <= ?2 ORDER BY valid_from DESC LIMIT 1), "
         "(SELECT member_class FROM members WHERE id = ?1), '')"},
        // The member's latest session under the same tariff that started no later and ended
        // less than the combine window before this one started: its group's first session.
        {&impl.combine_previous,
         "SELECT coalesce(combined_with, id) FROM sessions WHERE member_id = ?1 AND site = ?2 "
         "AND tariff_id = ?3 AND started_at <= ?4 AND ended_at > ?4 - ?5 "
         "ORDER BY started_at DESC, id DESC LIMIT 1"},
        {&impl.combine_group,
         "SELECT coalesce(sum(CASE WHEN ?2 = 'active' AND active_ms IS NOT NULL THEN active_ms "
         "ELSE powered_ms END), 0), coalesce(sum(billable_s), 0), coalesce(sum(amount_minor), 0) "
         "FROM sessions WHERE id = ?1 OR combined_with = ?1"},
        {&impl.upsert_state,
         "INSERT INTO machine_state(site, machine, state, since, member, name, session, detail, "
         "acl_version, "
         "updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(site, machine) "
         "DO UPDATE SET "
         "state = excluded.state, since = excluded.since, member = excluded.member, name = "
         "excluded.name, "
         "session = excluded.session, detail = excluded.detail, acl_version = "
         "excluded.acl_version, "
         "updated_at = excluded.updated_at"},
        {&impl.upsert_unknown_badge,
         "INSERT INTO unknown_badges(uid, site, machine, first_seen_at, last_seen_at, count) "
         "VALUES(?1, ?2, ?3, ?4, ?4, 1) ON CONFLICT(uid, site, machine) DO UPDATE SET "
         "last_seen_at = max(last_seen_at, excluded.last_seen_at), count = count + 1"},
    };
    for (const auto& e : entries) {
        auto st = db.prepare(e.sql);
        if (!st) return tl::unexpected(st.error());
        *e.target = std::move(*st);
    }
    impl.prepared = true;
    return {};
}

StoredSession read_stored(const db::Statement& st) {
    StoredSession out;
    auto& r = out.record;
    r.id = st.text(0);
    r.site = st.text(1);
    r.machine = st.text(2);
    r.uid = st.text(3);
    r.member = st.text(4);
    r.role = role_from_string(st.text(5)).value_or(Role::User);
    r.started_at = st.int64(6);
    r.ended_at = st.int64(7);
    r.clock_synced = st.int64(8) != 0;
    r.powered_ms = st.int64(9);
    r.active_ms = st.optional_int64(10);
    r.end_reason = end_reason_from_string(st.text(11)).value_or(EndReason::BadgeOut);
    r.ended_by = st.text(12);
    out.payload_hash = st.text(13);
    out.received_at = st.int64(14);
    out.batch_id = st.optional_int64(15);
    out.tariff_id = st.optional_int64(16);
    out.billable_s = st.int64(17);
    out.amount_minor = st.optional_int64(18);
    out.currency = st.text(19);
    out.minimum_applied = st.int64(20) != 0;
    out.rounded = st.int64(21) != 0;
    out.combined_with = st.optional_text(22);
    return out;
}

constexpr std::string_view kSessionSelect =
    "SELECT id, site, machine, uid, member_id, role, started_at, ended_at, clock_synced, "
    "powered_ms, active_ms, "
    "end_reason, ended_by, payload_hash, received_at, batch_id, tariff_id, billable_s, "
    "amount_minor, currency, minimum_applied, rounded, combined_with "
    "FROM sessions ";

}  // namespace

Result<std::optional<StoredSession>> LedgerDb::session(std::string_view id) {
    std::optional<StoredSession> found;
    auto s = for_each_row(
        db_, std::string(kSessionSelect) + "WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); },
        [&](const db::Statement& st) { found = read_stored(st); });
    if (!s) return tl::unexpected(s.error());
    return found;
}

Result<std::vector<StoredSession>> LedgerDb::sessions_between(UnixMs from, UnixMs to, int limit) {
    std::vector<StoredSession> out;
    auto s = for_each_row(
        db_,
        std::string(kSessionSelect) +
            "WHERE ended_at >= ?1 AND ended_at < ?2 ORDER BY ended_at, id LIMIT ?3",
        [&](db::Statement& st) { st.bind(1, from).bind(2, to).bind(3, limit); },
        [&](const db::Statement& st) { out.push_back(read_stored(st)); });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::int64_t> LedgerDb::session_count() {
    std::int64_t n = 0;
    auto s = for_each_row(
        db_, "SELECT count(*) FROM sessions", [](db::Statement&) {},
        [&](const db::Statement& st) { n = st.int64(0); });
    if (!s) return tl::unexpected(s.error());
    return n;
}

Result<std::vector<IngestErrorRow>> LedgerDb::ingest_errors(int limit) {
    std::vector<IngestErrorRow> out;
    auto s = for_each_row(
        db_,
        "SELECT id, received_at, topic, session_id, reason, payload, state FROM ingest_errors "
        "ORDER BY id DESC LIMIT ?1",
        [&](db::Statement& st) { st.bind(1, limit); },
        [&](const db::Statement& st) {
            out.push_back({st.int64(0), st.int64(1), st.text(2), st.text(3), st.text(4), st.text(5),
                           st.text(6)});
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<ParkedSummary> LedgerDb::parked_summary() {
    ParkedSummary out;
    auto s = for_each_row(
        db_,
        "SELECT count(*), coalesce(sum(powered_ms), 0) FROM ingest_errors WHERE state = 'parked'",
        [](db::Statement&) {},
        [&](const db::Statement& st) {
            out = {st.int64(0), st.int64(1)};
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<ReplayReport> LedgerDb::replay_parked(std::string_view actor, UnixMs now,
                                             std::string_view site, std::string_view machine,
                                             bool refused_too) {
    struct Held {
        std::int64_t row;
        IngestItem item;
    };
    std::vector<Held> held;
    // Owned copies: a default string_view has no data and would bind as NULL, matching nothing.
    const std::string only_site(site), only_machine(machine);
    auto s = for_each_row(
        db_,
        "SELECT id, topic, payload FROM ingest_errors WHERE (state = 'parked' OR (?3 AND state = "
        "'refused' AND session_id != '')) AND (?1 = '' OR (site = ?1 AND machine = ?2)) ORDER BY "
        "id",
        [&](db::Statement& st) {
            st.bind(1, only_site).bind(2, only_machine).bind(3, refused_too ? 1 : 0);
        },
        [&](const db::Statement& st) {
            held.push_back({st.int64(0), classify_session_message(st.text(1), st.text(2))});
        });
    if (!s) return tl::unexpected(s.error());
    ReplayReport report;
    if (held.empty()) return report;
    // The usual ingest prices and stores them; a session id already stored is a duplicate, so a
    // replay interrupted between the two transactions is completed by the next one.
    IngestBatch batch;
    batch.record_refusals = false;
    for (const auto& h : held) batch.sessions.push_back(h.item);
    auto summary = ingest(batch, now);
    if (!summary) return tl::unexpected(summary.error());
    auto marked = in_transaction(db_, [&]() -> Status {
        auto ids_json = nlohmann::json::array();
        for (std::size_t i = 0; i < held.size(); ++i) {
            auto result = summary->outcomes[i].result;
            if (result != IngestResult::Stored && result != IngestResult::Duplicate) {
                ++report.still_held;
                continue;
            }
            ++(result == IngestResult::Stored ? report.ingested : report.duplicates);
            report.ids.push_back(held[i].item.id);
            ids_json.push_back(held[i].item.id);
            auto st = run(db_,
                          "UPDATE ingest_errors SET state = 'replayed', replayed_at = ?2 WHERE id "
                          "= ?1",
                          [&](db::Statement& u) { u.bind(1, held[i].row).bind(2, now); });
            if (!st) return st;
        }
        if (report.ids.empty()) return {};
        return detail::audit(
            db_, now, actor, "errors.replay",
            site.empty() ? std::string("all") : std::string(site) + "/" + std::string(machine), "",
            nlohmann::json{{"sessions", ids_json}}.dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace));
    });
    if (!marked) return tl::unexpected(marked.error());
    return report;
}

Result<std::vector<ConflictRow>> LedgerDb::conflicts(int limit) {
    std::vector<ConflictRow> out;
    auto s = for_each_row(
        db_,
        "SELECT id, session_id, received_at, topic, stored_hash, payload_hash, payload FROM "
        "session_conflicts "
        "ORDER BY id DESC LIMIT ?1",
        [&](db::Statement& st) { st.bind(1, limit); },
        [&](const db::Statement& st) {
            out.push_back({st.int64(0), st.text(1), st.int64(2), st.text(3), st.text(4), st.text(5),
                           st.text(6)});
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

Result<std::vector<MachineStateRow>> LedgerDb::machine_states() {
    std::vector<MachineStateRow> out;
    auto s = for_each_row(
        db_,
        "SELECT site, machine, state, since, member, name, session, detail, acl_version, "
        "updated_at "
        "FROM machine_state ORDER BY site, machine",
        [](db::Statement&) {},
        [&](const db::Statement& st) {
            MachineStateRow row;
            row.site = st.text(0);
            row.machine = st.text(1);
            row.status.state =
                machine_state_from_string(st.text(2)).value_or(MachineState::Offline);
            row.status.since = st.int64(3);
            row.status.member = st.text(4);
            row.status.name = st.text(5);
            row.status.session = st.text(6);
            row.status.detail = st.text(7);
            row.status.acl_version = st.int64(8);
            row.updated_at = st.int64(9);
            out.push_back(std::move(row));
        });
    if (!s) return tl::unexpected(s.error());
    return out;
}

// ---- access lists ---------------------------------------------------------------------

Result<AccessList> LedgerDb::build_access_list(const Machine& m, UnixMs now) {
    auto lists = build_access_lists(std::span<const Machine>(&m, 1), now);
    if (!lists) return tl::unexpected(lists.error());
    return std::move(lists->front());
}

Result<std::vector<AccessList>> LedgerDb::build_access_lists(std::span<const Machine> machines,
                                                             UnixMs now) {
    std::vector<AclMemberRow> member_rows;
    std::vector<AclBadgeRow> badge_rows;
    std::vector<AclRightRow> right_rows;
    // One read snapshot: a fabctl change between two of these reads cannot produce a list
    // mixing before and after. A savepoint nests inside a caller's transaction too.
    if (auto s = db_.exec("SAVEPOINT acl_read"); !s) return tl::unexpected(s.error());
    auto read = [&]() -> Status {
        // Only members holding a badge can appear.
        auto s = for_each_row(
            db_,
            "SELECT DISTINCT m.id, m.name, m.status, m.member_until FROM members m "
            "JOIN badges b ON b.member_id = m.id",
            [](db::Statement&) {},
            [&](const db::Statement& st) {
                member_rows.push_back(
                    {st.text(0), st.text(1), st.text(2) == "suspended", st.optional_int64(3)});
            });
        if (!s) return s;
        s = for_each_row(
            db_, "SELECT uid, member_id FROM badges WHERE member_id IS NOT NULL",
            [](db::Statement&) {},
            [&](const db::Statement& st) {
                badge_rows.push_back({st.text(0), st.text(1)});
            });
        if (!s) return s;
        return for_each_row(
            db_, "SELECT member_id, target_kind, target, role, valid_until FROM rights",
            [](db::Statement&) {},
            [&](const db::Statement& st) {
                right_rows.push_back(
                    {st.text(0), target_kind_from_string(st.text(1)).value_or(TargetKind::Machine),
                     st.text(2), role_from_string(st.text(3)).value_or(Role::None),
                     st.optional_int64(4)});
            });
    };
    // Maintenance locks, read in the same snapshot.
    std::map<std::pair<std::string, std::string>, MaintenanceLock> locks;
    auto read_locks = [&]() -> Status {
        return for_each_row(
            db_,
            "SELECT site, id, locked_by, lock_reason, locked_since FROM machines "
            "WHERE locked_by IS NOT NULL",
            [](db::Statement&) {},
            [&](const db::Statement& st) {
                locks[{st.text(0), st.text(1)}] = MaintenanceLock{
                    st.text(2), st.optional_text(3).value_or(""), st.optional_int64(4).value_or(0)};
            });
    };
    auto status = read();
    if (status) status = read_locks();
    (void)db_.exec("RELEASE acl_read");
    if (!status) return tl::unexpected(status.error());
    std::vector<AccessList> lists;
    lists.reserve(machines.size());
    for (const auto& m : machines) {
        lists.push_back(fabgate::build_access_list(AclMachineRef{m.site, m.id, m.group_name},
                                                   member_rows, badge_rows, right_rows, now));
        // The lock travels in the list: signed, retained, cached by the gate.
        if (auto it = locks.find({m.site, m.id}); it != locks.end())
            lists.back().maintenance = it->second;
    }
    return lists;
}

Result<std::optional<AclVersionRow>> LedgerDb::latest_acl_version(std::string_view site,
                                                                  std::string_view machine) {
    std::optional<AclVersionRow> found;
    auto s = for_each_row(
        db_,
        "SELECT site, machine, version, content_hash, published_at, entries FROM acl_versions "
        "WHERE site = ?1 AND machine = ?2 ORDER BY version DESC LIMIT 1",
        [&](db::Statement& st) { st.bind(1, site).bind(2, machine); },
        [&](const db::Statement& st) {
            found = AclVersionRow{st.text(0), st.text(1),  st.int64(2),
                                  st.text(3), st.int64(4), st.int64(5)};
        });
    if (!s) return tl::unexpected(s.error());
    return found;
}

Status LedgerDb::record_acl_version(const AclVersionRow& row) {
    return in_transaction(db_, [&]() -> Status {
        auto latest = latest_acl_version(row.site, row.machine);
        if (!latest) return tl::unexpected(latest.error());
        if (*latest && (*latest)->version >= row.version)
            return fail("acl " + row.site + "/" + row.machine,
                        "version " + std::to_string(row.version) + " is not above " +
                            std::to_string((*latest)->version));
        return run(
            db_,
            "INSERT INTO acl_versions(site, machine, version, content_hash, published_at, entries) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            [&](db::Statement& st) {
                st.bind(1, row.site)
                    .bind(2, row.machine)
                    .bind(3, row.version)
                    .bind(4, row.content_hash);
                st.bind(5, row.published_at).bind(6, row.entries);
            });
    });
}

}  // namespace fabgate::ledger

// What ingest leaves behind besides sessions: held and refused payloads (and their replay),
// conflicting copies, and the machines' last reported state.
#include <nlohmann/json.hpp>

#include "ledger/db_util.hpp"
#include "ledger/session_ingest.hpp"

namespace fabgate::ledger {

using detail::in_transaction;
using detail::no_parameters;
using detail::rows_of;

namespace {

struct Held {
    std::int64_t row;
    IngestItem item;
};

Result<std::vector<Held>> held_sessions(db::Database& db, std::string_view site,
                                        std::string_view machine, bool refused_too) {
    // Owned copies: a default string_view has no data and would bind as NULL, matching nothing.
    const std::string only_site(site), only_machine(machine);
    return rows_of<Held>(
        db,
        "SELECT id, topic, payload FROM ingest_errors WHERE (state = 'parked' OR (?3 AND state = "
        "'refused' AND session_id != '')) AND (?1 = '' OR (site = ?1 AND machine = ?2)) ORDER BY "
        "id",
        [&](db::Statement& st) {
            st.bind(1, only_site).bind(2, only_machine).bind(3, refused_too ? 1 : 0);
        },
        [](const db::Statement& st) {
            return Held{st.int64(0), classify_session_message(st.text(1), st.text(2))};
        });
}

// A held session the replay could not take: still held, with what it lacks now (the machine
// registered, the member may still be missing); or, if a different session with its id was
// stored meanwhile, refused (the replay recorded the conflict), so it is not held forever.
Status update_still_held(db::Database& db, const Held& h, const IngestOutcome& outcome,
                         ReplayReport& report) {
    bool conflict = outcome.result == IngestResult::Conflict;
    if (!conflict) ++report.still_held;
    return detail::run(db,
                       conflict ? "UPDATE ingest_errors SET state = 'refused', reason = ?2 "
                                  "WHERE id = ?1 AND state = 'parked'"
                                : "UPDATE ingest_errors SET reason = ?2 "
                                  "WHERE id = ?1 AND state = 'parked'",
                       [&](db::Statement& u) { u.bind(1, h.row).bind(2, outcome.reason); });
}

// Marks what the replay ingested (or found already stored) as replayed, and audits the run.
Status mark_replayed(db::Database& db, const std::vector<Held>& held, const IngestSummary& summary,
                     ReplayReport& report, std::string_view actor, UnixMs now,
                     const std::string& subject) {
    auto ids_json = nlohmann::json::array();
    for (std::size_t i = 0; i < held.size(); ++i) {
        auto result = summary.outcomes[i].result;
        if (result != IngestResult::Stored && result != IngestResult::Duplicate) {
            TRY(update_still_held(db, held[i], summary.outcomes[i], report));
            continue;
        }
        ++(result == IngestResult::Stored ? report.ingested : report.duplicates);
        report.ids.push_back(held[i].item.id);
        ids_json.push_back(held[i].item.id);
        TRY(detail::run(
            db, "UPDATE ingest_errors SET state = 'replayed', replayed_at = ?2 WHERE id = ?1",
            [&](db::Statement& u) { u.bind(1, held[i].row).bind(2, now); }));
    }
    if (report.ids.empty()) return {};
    return detail::audit(db, now, actor, "errors.replay", subject, "",
                         nlohmann::json{{"sessions", ids_json}}.dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

Result<ReplayReport> SessionIngest::replay_parked(std::string_view actor, UnixMs now,
                                                  std::string_view site, std::string_view machine,
                                                  bool refused_too) {
    TRY_ASSIGN(auto held, held_sessions(db_, site, machine, refused_too));
    ReplayReport report;
    if (held.empty()) return report;
    // The usual ingest prices and stores them; a session id already stored is a duplicate, so a
    // replay interrupted between the two transactions is completed by the next one.
    IngestBatch batch;
    batch.record_refusals = false;
    for (const auto& h : held) batch.sessions.push_back(h.item);
    TRY_ASSIGN(auto summary, apply(batch, now));
    std::string subject =
        site.empty() ? std::string("all") : std::string(site) + "/" + std::string(machine);
    TRY(in_transaction(db_, [&]() -> Status {
        return mark_replayed(db_, held, summary, report, actor, now, subject);
    }));
    return report;
}

Result<ParkedSummary> SessionIngest::parked_summary() {
    ParkedSummary out;
    TRY(detail::for_each_row(
        db_,
        "SELECT count(*), coalesce(sum(powered_ms), 0) FROM ingest_errors WHERE state = 'parked'",
        no_parameters, [&](const db::Statement& st) {
            out = {st.int64(0), st.int64(1)};
        }));
    return out;
}

namespace {

// What `fabctl errors` and `fabctl conflicts` list: the newest `limit` rows of a table that only
// grows (its id order), each made by `read` from `columns`.
template <class Row, class Read>
Result<std::vector<Row>> newest_rows(db::Database& db, std::string_view table,
                                     std::string_view columns, int limit, Read&& read) {
    const std::string sql = "SELECT " + std::string(columns) + " FROM " + std::string(table) +
                            " ORDER BY id DESC LIMIT ?1";
    return rows_of<Row>(
        db, sql, [&](db::Statement& st) { st.bind(1, limit); }, read);
}

}  // namespace

Result<std::vector<IngestErrorRow>> SessionIngest::ingest_errors(int limit) {
    return newest_rows<IngestErrorRow>(
        db_, "ingest_errors", "id, received_at, topic, session_id, reason, payload, state", limit,
        [](const db::Statement& st) {
            return IngestErrorRow{st.int64(0), st.int64(1), st.text(2), st.text(3),
                                  st.text(4),  st.text(5),  st.text(6)};
        });
}

Result<std::vector<ConflictRow>> SessionIngest::conflicts(int limit) {
    return newest_rows<ConflictRow>(
        db_, "session_conflicts",
        "id, session_id, received_at, topic, stored_hash, payload_hash, payload", limit,
        [](const db::Statement& st) {
            return ConflictRow{st.int64(0), st.text(1), st.int64(2), st.text(3),
                               st.text(4),  st.text(5), st.text(6)};
        });
}

Result<std::vector<MachineStateRow>> SessionIngest::machine_states() {
    return rows_of<MachineStateRow>(
        db_,
        "SELECT site, machine, state, since, member, name, session, detail, acl_version, "
        "updated_at FROM machine_state ORDER BY site, machine",
        no_parameters, [](const db::Statement& st) {
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
            return row;
        });
}

}  // namespace fabgate::ledger

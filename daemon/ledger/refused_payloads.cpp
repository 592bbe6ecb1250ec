// Held sessions are money, not evidence: each is kept in its canonical encoding (bounded by the
// field bounds of core/messages.hpp: at most kRefusedPayloadKeepBytes) and once per id and
// content, never rate-limited, so nothing a member used is lost.
// Refused payloads are evidence, not a store: each is kept only up to kRefusedPayloadKeepBytes
// with its SHA-256 and size, and at most kRefusedStoredPerMinute payloads per machine, so a gate
// login cannot grow the ledger's database by publishing garbage. Over the rate, the row keeps
// only topic, session id, reason, hash and size (a few hundred bytes): a refused session that
// was acked can still be matched with the gate's logs. Every refusal is counted. Conflicting
// copies of a stored session count here too and share the machine's budget: they are payloads
// the ledger refused to take, from the same gate login.
#include "core/topics.hpp"
#include "ledger/db_util.hpp"
#include "ledger/session_ingest.hpp"

namespace fabgate::ledger {
namespace detail {
namespace {

constexpr std::int64_t kWindowMs = 60'000;
constexpr std::size_t kMaxTextBytes = 256;  // topic, session id, reason

std::string_view clipped(std::string_view text, std::size_t bytes) {
    return text.substr(0, std::min(text.size(), bytes));
}

// A gate resends a session until its ack arrives: a copy of one already held (same id, same
// content) adds no row, so a lost ack or a replaying gate login cannot grow the table.
Status record_held(db::Database& db, std::int64_t now, std::string_view topic,
                   std::string_view session_id, std::string_view reason, std::string_view payload,
                   const HeldSession& held) {
    return run(db,
               "INSERT INTO ingest_errors(received_at, topic, session_id, reason, payload, "
               "payload_size, payload_sha256, state, site, machine, powered_ms) "
               "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'parked', ?8, ?9, ?10 WHERE NOT EXISTS("
               "SELECT 1 FROM ingest_errors WHERE state = 'parked' AND site = ?8 AND machine = ?9 "
               "AND session_id = ?3 AND payload = ?5)",
               [&](db::Statement& st) {
                   st.bind(1, now).bind(2, topic).bind(3, session_id).bind(4, reason);
                   st.bind(5, held.canonical)
                       .bind(6, static_cast<std::int64_t>(payload.size()))
                       .bind(7, sha256_hex(payload));
                   st.bind(8, held.site).bind(9, held.machine).bind(10, held.powered_ms);
               });
}

}  // namespace

Result<bool> count_refusal(db::Database& db, std::int64_t now, std::string_view site,
                           std::string_view machine) {
    auto where = [&](db::Statement& st) { st.bind(1, site).bind(2, machine).bind(3, now); };
    TRY(run(db,
            "INSERT INTO ingest_error_counts(site, machine, refused, window_start) "
            "VALUES(?1, ?2, 1, ?3) ON CONFLICT(site, machine) DO UPDATE SET "
            "refused = refused + 1, "
            "window_stored = CASE WHEN ?3 - window_start >= 60000 OR ?3 < window_start "
            "THEN 0 ELSE window_stored END, "
            "window_start = CASE WHEN ?3 - window_start >= 60000 OR ?3 < window_start "
            "THEN ?3 ELSE window_start END",
            where));
    static_assert(kWindowMs == 60'000, "the SQL above spells the window out");
    std::int64_t stored = 0;
    TRY(for_each_row(
        db, "SELECT window_stored FROM ingest_error_counts WHERE site = ?1 AND machine = ?2",
        [&](db::Statement& st) { st.bind(1, site).bind(2, machine); },
        [&](const db::Statement& st) { stored = st.int64(0); }));
    bool over_rate = stored >= kRefusedStoredPerMinute;
    TRY(run(db,
            over_rate ? "UPDATE ingest_error_counts SET not_stored = not_stored + 1 "
                        "WHERE site = ?1 AND machine = ?2 AND ?3 = ?3"
                      : "UPDATE ingest_error_counts SET window_stored = window_stored + 1 "
                        "WHERE site = ?1 AND machine = ?2 AND ?3 = ?3",
            where));
    return !over_rate;
}

Status record_refused(db::Database& db, std::int64_t now, std::string_view topic,
                      std::string_view session_id, std::string_view reason,
                      std::string_view payload, const HeldSession* held) {
    auto parsed = topics::parse(topic);
    std::string site = parsed ? parsed->site : "", machine = parsed ? parsed->machine : "";
    if (held) return record_held(db, now, topic, session_id, reason, payload, *held);
    TRY_ASSIGN(bool keep_payload, count_refusal(db, now, site, machine));
    return run(db,
               "INSERT INTO ingest_errors(received_at, topic, session_id, reason, payload, "
               "payload_size, payload_sha256, site, machine) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
               "?8, ?9)",
               [&](db::Statement& st) {
                   st.bind(1, now)
                       .bind(2, clipped(topic, kMaxTextBytes))
                       .bind(3, clipped(session_id, kMaxTextBytes))
                       .bind(4, clipped(reason, kMaxTextBytes));
                   st.bind(5, keep_payload ? clipped(payload, kRefusedPayloadKeepBytes)
                                           : std::string_view(""))
                       .bind(6, static_cast<std::int64_t>(payload.size()))
                       .bind(7, sha256_hex(payload));
                   st.bind(8, site).bind(9, machine);
               });
}

}  // namespace detail

Result<std::vector<RefusedCount>> SessionIngest::refused_counts() {
    return detail::rows_of<RefusedCount>(
        db_,
        "SELECT site, machine, refused, not_stored FROM ingest_error_counts ORDER BY site, machine",
        detail::no_parameters, [](const db::Statement& st) {
            return RefusedCount{st.text(0), st.text(1), st.int64(2), st.int64(3)};
        });
}

}  // namespace fabgate::ledger

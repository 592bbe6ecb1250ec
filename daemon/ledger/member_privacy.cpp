// Members' data: export everything held about one member, pseudonymise them (forget), and
// purge what is kept only for a while (docs/privacy.md).
#include <sodium.h>

#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "ledger/audit_log.hpp"
#include "ledger/db_util.hpp"
#include "ledger/member_privacy.hpp"
#include "sys/hex.hpp"

namespace fabgate::ledger {

using detail::for_each_row;
using detail::in_transaction;
using detail::run;
using nlohmann::json;

namespace {

constexpr std::string_view kForgottenName = "(forgotten)";
constexpr std::string_view kForgottenUid = "forgotten";

// What identifies one member in stored text. Ids and UIDs match whole values (or words of an
// audit subject); name and contact match inside text, once they are long enough to mean it.
struct Identity {
    std::string id;
    std::string name;
    std::string contact;
    std::set<std::string> uids;

    bool is_identifier(std::string_view word) const {
        return word == id || uids.count(std::string(word)) > 0;
    }
    static bool long_enough(const std::string& text) { return text.size() >= 3; }
    bool mentioned_in(std::string_view text) const {
        if ((long_enough(name) && text.find(name) != std::string_view::npos) ||
            (long_enough(contact) && text.find(contact) != std::string_view::npos))
            return true;
        std::size_t start = 0;
        while (start <= text.size()) {
            auto end = text.find_first_of(" \":,[]{}", start);
            if (end == std::string_view::npos) end = text.size();
            if (is_identifier(text.substr(start, end - start))) return true;
            start = end + 1;
        }
        return false;
    }
};

void replace_all(std::string& text, const std::string& what, std::string_view with) {
    if (!Identity::long_enough(what)) return;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
        text.replace(at, what.size(), with);
}

std::string redact_text(std::string text, const Identity& who, const std::string& pseudonym) {
    if (text == who.id) return pseudonym;
    if (who.uids.count(text) > 0) return std::string(kForgottenUid);
    replace_all(text, who.name, kForgottenName);
    replace_all(text, who.contact, kForgottenName);
    std::string out;  // words of a subject ("m-1 machine:laser")
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        auto word = text.substr(start, end - start);
        out += word == who.id         ? pseudonym
               : who.uids.count(word) ? std::string(kForgottenUid)
                                      : word;
        if (end < text.size()) out += ' ';
        start = end + 1;
    }
    return out;
}

void redact_json(json& value, const Identity& who, const std::string& pseudonym) {
    if (value.is_string()) {
        value = redact_text(value.get<std::string>(), who, pseudonym);
    } else if (value.is_structured()) {
        for (auto& child : value) redact_json(child, who, pseudonym);
    }
}

std::string redact_json_text(const std::string& text, const Identity& who,
                             const std::string& pseudonym) {
    if (text.empty()) return text;
    auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return redact_text(text, who, pseudonym);
    redact_json(doc, who, pseudonym);
    return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string new_pseudonym() {
    unsigned char bytes[8];
    randombytes_buf(bytes, sizeof bytes);
    return "forgotten-" + to_hex(bytes);
}

Result<Identity> identity_of(db::Database& db, const Member& m) {
    Identity who{m.id, m.name, m.contact, {}};
    auto add_uid = [&](const db::Statement& st) { who.uids.insert(st.text(0)); };
    auto bind_id = [&](db::Statement& st) { st.bind(1, m.id); };
    for (const char* sql :
         {"SELECT uid FROM badges WHERE member_id = ?1",
          "SELECT DISTINCT uid FROM sessions WHERE member_id = ?1",
          // badges they held once: the audit log keeps each assignment
          "SELECT DISTINCT subject FROM audit_log WHERE action LIKE 'badge.%' AND "
          "(CASE WHEN json_valid(after_json) THEN json_extract(after_json, '$.member_id') END "
          "= ?1 OR CASE WHEN json_valid(before_json) THEN json_extract(before_json, "
          "'$.member_id') END = ?1)"})
        TRY(for_each_row(db, sql, bind_id, add_uid));
    return who;
}

// Audit rows that name the member, by id.
Result<std::vector<AuditRow>> audit_rows_about(db::Database& db, const Identity& who) {
    std::vector<AuditRow> out;
    TRY(for_each_row(
        db,
        "SELECT id, at, actor, action, subject, before_json, after_json, os_user, redacted_by "
        "FROM audit_log ORDER BY id",
        detail::no_parameters, [&](const db::Statement& st) {
            AuditRow r{st.int64(0), st.int64(1), st.text(2), st.text(3),          st.text(4),
                       st.text(5),  st.text(6),  st.text(7), st.optional_int64(8)};
            if (who.mentioned_in(r.subject) || who.mentioned_in(r.before_json) ||
                who.mentioned_in(r.after_json))
                out.push_back(std::move(r));
        }));
    return out;
}

json audit_json(const AuditRow& r) {
    return {{"id", r.id},
            {"at", r.at},
            {"actor", r.actor},
            {"os_user", r.os_user},
            {"action", r.action},
            {"subject", r.subject},
            {"before", r.before_json},
            {"after", r.after_json}};
}

// Rows as JSON objects, built by SQLite (json_object) so every stored column is exported.
Result<json> rows_as_json(db::Database& db, const std::string& sql,
                          const std::function<void(db::Statement&)>& bind) {
    json rows = json::array();
    TRY(for_each_row(db, sql, bind, [&](const db::Statement& st) {
        rows.push_back(json::parse(st.text(0), nullptr, false));
    }));
    return rows;
}

// The rows of `sql` for each of the member's UIDs (bound as ?1), one array.
Result<json> rows_for_each_uid(db::Database& db, const Identity& who, const std::string& sql) {
    json all = json::array();
    for (const auto& uid : who.uids) {
        TRY_ASSIGN(auto rows, rows_as_json(db, sql, [&](db::Statement& st) { st.bind(1, uid); }));
        for (auto& r : rows) all.push_back(std::move(r));
    }
    return all;
}

constexpr std::string_view kSessionObject =
    "json_object('id', id, 'site', site, 'machine', machine, 'uid', uid, 'member_id', "
    "member_id, 'role', role, 'started_at', started_at, 'ended_at', ended_at, 'clock_synced', "
    "clock_synced, 'powered_ms', powered_ms, 'active_ms', active_ms, 'end_reason', end_reason, "
    "'ended_by', ended_by, 'received_at', received_at, 'batch_id', (SELECT b.id FROM "
    "billing_batches b WHERE b.period_end > s.ended_at AND b.seq_through >= s.seq ORDER BY b.id "
    "LIMIT 1), 'tariff_id', "
    "tariff_id, 'billable_s', billable_s, 'amount_minor', amount_minor, 'currency', currency)";

// Stored payloads (refused messages, conflicting duplicates) that name the member.
Result<json> payloads_about(db::Database& db, const Identity& who, std::string_view table) {
    json rows = json::array();
    TRY(for_each_row(db,
                     "SELECT id, received_at, topic, session_id, payload FROM " +
                         std::string(table) + " ORDER BY id",
                     detail::no_parameters, [&](const db::Statement& st) {
                         auto payload = st.text(4);
                         if (!who.mentioned_in(payload)) return;
                         rows.push_back({{"id", st.int64(0)},
                                         {"received_at", st.int64(1)},
                                         {"topic", st.text(2)},
                                         {"session_id", st.text(3)},
                                         {"payload", payload}});
                     }));
    return rows;
}

// The member, or for one removed earlier, their last details as the audit log kept them:
// a removed member's sessions and audit rows still name them.
Result<Member> known_member(MemberStore& members, db::Database& db, std::string_view id) {
    TRY_ASSIGN(auto current, members.find(id));
    if (current) return *current;
    std::optional<Member> last;
    TRY(for_each_row(
        db,
        "SELECT CASE WHEN after_json != '' THEN after_json ELSE before_json END FROM audit_log "
        "WHERE subject = ?1 AND action LIKE 'member.%' AND redacted_by IS NULL ORDER BY id DESC "
        "LIMIT 1",
        [&](db::Statement& st) { st.bind(1, id); },
        [&](const db::Statement& st) {
            auto doc = json::parse(st.text(0), nullptr, false);
            if (!doc.is_object()) return;
            Member found;
            found.id = std::string(id);
            found.name = doc.value("name", "");
            found.contact = doc.value("contact", "");
            found.member_class = doc.value("member_class", "");
            found.status = MemberStatus::Suspended;
            last = found;
        }));
    if (!last) return fail("member " + std::string(id), "is not known to the ledger");
    return *last;
}

}  // namespace

Result<std::string> MemberPrivacy::export_member(std::string_view id) {
    TRY_ASSIGN(const auto m, known_member(members_, db_, id));
    TRY_ASSIGN(const auto who, identity_of(db_, m));
    auto bind_id = [&](db::Statement& st) { st.bind(1, id); };
    json out;
    out["member"] = {{"id", m.id},
                     {"name", m.name},
                     {"contact", m.contact},
                     {"member_class", m.member_class},
                     {"status", std::string(to_string(m.status))},
                     {"member_until", m.member_until ? json(*m.member_until) : json(nullptr)},
                     {"created_at", m.created_at}};
    const std::pair<const char*, std::string> queries[] = {
        {"badges",
         "SELECT json_object('uid', uid, 'label', label, 'assigned_at', assigned_at) FROM badges "
         "WHERE member_id = ?1 ORDER BY uid"},
        {"rights",
         "SELECT json_object('target_kind', target_kind, 'target', target, 'role', role, "
         "'granted_by', granted_by, 'granted_at', granted_at, 'valid_until', valid_until) FROM "
         "rights WHERE member_id = ?1 ORDER BY target_kind, target"},
        {"sessions", "SELECT " + std::string(kSessionObject) +
                         " FROM sessions s WHERE member_id = ?1 ORDER BY started_at, id"},
        {"machine_state",
         "SELECT json_object('site', site, 'machine', machine, 'state', state, 'since', since, "
         "'name', name, 'session', session, 'updated_at', updated_at) FROM machine_state WHERE "
         "member = ?1"},
        {"member_class_history",
         "SELECT json_object('member_class', member_class, 'valid_from', valid_from) FROM "
         "member_class_history WHERE member_id = ?1 ORDER BY valid_from"},
    };
    for (const auto& [key, sql] : queries) {
        TRY_ASSIGN(out[key], rows_as_json(db_, sql, bind_id));
    }
    TRY_ASSIGN(
        out["unknown_badge_sightings"],
        rows_for_each_uid(
            db_, who,
            "SELECT json_object('uid', uid, 'site', site, 'machine', machine, 'first_seen_at', "
            "first_seen_at, 'last_seen_at', last_seen_at, 'count', count) FROM unknown_badges "
            "WHERE uid = ?1"));
    // Other members' sessions their badge took over: when and where, not whose.
    TRY_ASSIGN(out["sessions_ended_by_their_badge"],
               rows_for_each_uid(db_, who,
                                 "SELECT json_object('session', id, 'site', site, 'machine', "
                                 "machine, 'ended_at', ended_at, 'ended_by', ended_by) FROM "
                                 "sessions WHERE ended_by = ?1 ORDER BY ended_at"));
    TRY_ASSIGN(auto audit_rows, audit_rows_about(db_, who));
    out["audit_log"] = json::array();
    for (const auto& r : audit_rows) out["audit_log"].push_back(audit_json(r));
    for (const auto& [key, table] : {std::pair{"refused_payloads", "ingest_errors"},
                                     std::pair{"conflicting_payloads", "session_conflicts"}}) {
        TRY_ASSIGN(out[key], payloads_about(db_, who, table));
    }
    return out.dump(2, ' ', false, json::error_handler_t::replace);
}

namespace {

Status redact_audit_rows(db::Database& db, const std::vector<AuditRow>& rows, const Identity& who,
                         const std::string& pseudonym, std::int64_t forget_row) {
    for (const auto& r : rows) {
        TRY(run(db,
                "UPDATE audit_log SET subject = ?2, before_json = ?3, after_json = ?4, "
                "redacted_by = ?5 WHERE id = ?1",
                [&](db::Statement& st) {
                    st.bind(1, r.id).bind(2, redact_text(r.subject, who, pseudonym));
                    st.bind(3, redact_json_text(r.before_json, who, pseudonym));
                    st.bind(4, redact_json_text(r.after_json, who, pseudonym));
                    st.bind(5, forget_row);
                }));
    }
    return {};
}

Status forget_payloads(db::Database& db, const Identity& who, std::string_view table) {
    std::vector<std::int64_t> ids;
    TRY(for_each_row(db, "SELECT id, payload FROM " + std::string(table), detail::no_parameters,
                     [&](const db::Statement& st) {
                         if (who.mentioned_in(st.text(1))) ids.push_back(st.int64(0));
                     }));
    for (auto id : ids)
        TRY(run(db, "UPDATE " + std::string(table) + " SET payload = ?2 WHERE id = ?1",
                [&](db::Statement& st) { st.bind(1, id).bind(2, kForgottenName); }));
    return {};
}

// Everything but the audit log: the member row keeps its class and creation time, and their
// class history moves to the pseudonym, so billed sessions still join to it and a held one
// still prices; badges and rights go; sessions keep their amounts. Another member's session
// their badge took over keeps its amount too; only the UID in ended_by goes.
Status pseudonymise_rows(db::Database& db, const Identity& who, const std::string& pseudonym) {
    auto both = [&](db::Statement& st) { st.bind(1, who.id).bind(2, pseudonym); };
    for (const char* sql :
         {"DELETE FROM badges WHERE member_id = ?1", "DELETE FROM rights WHERE member_id = ?1"})
        TRY(run(db, sql, [&](db::Statement& st) { st.bind(1, who.id); }));
    for (const char* sql :
         {"UPDATE members SET id = ?2, name = '(forgotten)', contact = '', status = 'suspended', "
          "member_until = NULL WHERE id = ?1",
          "UPDATE sessions SET member_id = ?2, uid = 'forgotten' WHERE member_id = ?1",
          "UPDATE sessions SET ended_by = ?2 WHERE ended_by = ?1",  // a remote end they sent
          "UPDATE member_class_history SET member_id = ?2 WHERE member_id = ?1",
          "UPDATE machine_state SET member = ?2, name = '' WHERE member = ?1"})
        TRY(run(db, sql, both));
    for (const auto& uid : who.uids) {
        auto bind_uid = [&](db::Statement& st) { st.bind(1, uid); };
        TRY(run(db, "DELETE FROM unknown_badges WHERE uid = ?1", bind_uid));
        TRY(run(db, "UPDATE sessions SET ended_by = 'forgotten' WHERE ended_by = ?1", bind_uid));
    }
    for (const char* table : {"ingest_errors", "session_conflicts"})
        TRY(forget_payloads(db, who, table));
    return {};
}

}  // namespace

Result<std::string> MemberPrivacy::forget_member(std::string_view id, std::string_view actor,
                                                 UnixMs now) {
    return in_transaction(db_, [&]() -> Result<std::string> {
        TRY_ASSIGN(const auto m, known_member(members_, db_, id));
        TRY_ASSIGN(const auto who, identity_of(db_, m));
        TRY_ASSIGN(const auto rows, audit_rows_about(db_, who));
        std::string pseudonym = new_pseudonym();
        json listed = json::array();
        for (const auto& r : rows) listed.push_back(r.id);
        json after{
            {"pseudonym", pseudonym}, {"badges", who.uids.size()}, {"redacted_audit_rows", listed}};
        TRY(detail::audit(db_, now, actor, "member.forget", pseudonym, "", after.dump()));
        std::int64_t forget_row = db_.last_insert_rowid();
        TRY(pseudonymise_rows(db_, who, pseudonym));
        TRY(redact_audit_rows(db_, rows, who, pseudonym, forget_row));
        return pseudonym;
    });
}

Result<PurgeCounts> MemberPrivacy::purge_expired(UnixMs cut_off, std::string_view actor,
                                                 UnixMs now) {
    return in_transaction(db_, [&]() -> Result<PurgeCounts> {
        PurgeCounts counts;
        const std::pair<const char*, std::int64_t*> deletes[] = {
            {"DELETE FROM unknown_badges WHERE last_seen_at < ?1", &counts.unknown_badges},
            // Held sessions are unbilled money, not evidence: they wait for their replay.
            {"DELETE FROM ingest_errors WHERE received_at < ?1 AND state != 'parked'",
             &counts.ingest_errors},
            {"DELETE FROM session_conflicts WHERE received_at < ?1", &counts.conflicts}};
        for (const auto& [sql, count] : deletes) {
            TRY(run(db_, sql, [&](db::Statement& st) { st.bind(1, cut_off); }));
            *count = db_.changes();
        }
        if (counts.unknown_badges + counts.ingest_errors + counts.conflicts == 0) return counts;
        json after{{"before", cut_off},
                   {"unknown_badges", counts.unknown_badges},
                   {"ingest_errors", counts.ingest_errors},
                   {"conflicts", counts.conflicts}};
        TRY(detail::audit(db_, now, actor, "privacy.purge", "retention", "", after.dump()));
        return counts;
    });
}

}  // namespace fabgate::ledger

// The audit log: append-only (triggers in schema.hpp), hash-chained, and naming the Unix user.
#include <pwd.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "ledger/audit_log.hpp"
#include "ledger/db_util.hpp"
#include "sys/hex.hpp"

namespace fabgate::ledger {
namespace detail {
namespace {

const std::string kGenesisHash(64, '0');

// Length-prefixed fields: no two different rows encode alike, whatever bytes they hold.
void append_field(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
}

std::string describe_unix_user() {
    std::string name;
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name) name = pw->pw_name;
    if (name.empty()) name = "uid " + std::to_string(getuid());
    // SUDO_USER comes from the environment: recorded as what it is, next to the real uid.
    const char* sudo_user = std::getenv("SUDO_USER");
    if (sudo_user && *sudo_user && name != sudo_user)
        name += std::string(" (SUDO_USER=") + sudo_user + ")";
    return name;
}

struct ChainTail {
    std::int64_t id = 0;
    std::string row_hash = kGenesisHash;
};

Result<ChainTail> chain_tail(db::Database& db) {
    ChainTail tail;
    TRY(for_each_row(db, "SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1",
                     no_parameters, [&](const db::Statement& st) {
                         tail.id = st.int64(0);
                         tail.row_hash = st.optional_text(1).value_or("");
                     }));
    return tail;
}

Status append(db::Database& db, std::int64_t at, std::string_view actor, std::string_view action,
              std::string_view subject, std::string_view before_json, std::string_view after_json) {
    TRY_ASSIGN(auto tail, chain_tail(db));
    if (tail.row_hash.empty()) {  // a row from before the chain: seal first, then chain on
        TRY(seal_audit_log(db));
        TRY_ASSIGN(tail, chain_tail(db));
    }
    const std::string& who = unix_user();
    std::int64_t id = tail.id + 1;
    auto content = audit_content_hash(at, actor, who, action, subject, before_json, after_json);
    auto row = audit_row_hash(tail.row_hash, id, content);
    return run(db,
               "INSERT INTO audit_log(id, at, actor, action, subject, before_json, after_json, "
               "os_user, content_hash, prev_hash, row_hash) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
               [&](db::Statement& st) {
                   st.bind(1, id).bind(2, at).bind(3, actor).bind(4, action).bind(5, subject);
                   st.bind(6, before_json).bind(7, after_json).bind(8, who).bind(9, content);
                   st.bind(10, tail.row_hash).bind(11, row);
               });
}

}  // namespace

const std::string& unix_user() {
    static const std::string user = describe_unix_user();
    return user;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return to_hex(digest);
}

std::string audit_content_hash(std::int64_t at, std::string_view actor, std::string_view os_user,
                               std::string_view action, std::string_view subject,
                               std::string_view before_json, std::string_view after_json) {
    std::string encoded;
    const std::string at_text = std::to_string(at);  // outlives the list of views below
    for (std::string_view field :
         {std::string_view(at_text), actor, os_user, action, subject, before_json, after_json})
        append_field(encoded, field);
    return sha256_hex(encoded);
}

std::string audit_row_hash(std::string_view prev_hash, std::int64_t id,
                           std::string_view content_hash) {
    std::string encoded;
    append_field(encoded, prev_hash);
    append_field(encoded, std::to_string(id));
    append_field(encoded, content_hash);
    return sha256_hex(encoded);
}

Status audit(db::Database& db, std::int64_t at, std::string_view actor, std::string_view action,
             std::string_view subject, std::string_view before_json, std::string_view after_json) {
    if (db.in_transaction()) return append(db, at, actor, action, subject, before_json, after_json);
    return in_transaction(
        db, [&] { return append(db, at, actor, action, subject, before_json, after_json); });
}

Status seal_audit_log(db::Database& db) {
    auto seal = [&]() -> Status {
        struct Row {
            std::int64_t id;
            std::string content_hash;
        };
        std::vector<Row> unsealed;
        // Only rows from before the chain (a prefix) are sealed: a hashless row after a sealed
        // one was written around the ledger, and fabctl check must keep reporting it.
        std::string prev = kGenesisHash;
        bool chain_started = false;
        TRY(for_each_row(
            db,
            "SELECT id, at, actor, os_user, action, subject, before_json, after_json, row_hash "
            "FROM audit_log ORDER BY id",
            no_parameters, [&](const db::Statement& st) {
                if (!st.is_null(8)) chain_started = true;
                if (chain_started) return;
                unsealed.push_back(
                    {st.int64(0),
                     audit_content_hash(st.int64(1), st.text(2), st.text(3), st.text(4), st.text(5),
                                        st.text(6), st.text(7))});
            }));
        for (const auto& row : unsealed) {
            auto hash = audit_row_hash(prev, row.id, row.content_hash);
            TRY(run(db,
                    "UPDATE audit_log SET content_hash = ?2, prev_hash = ?3, row_hash = ?4 "
                    "WHERE id = ?1",
                    [&](db::Statement& st) {
                        st.bind(1, row.id).bind(2, row.content_hash).bind(3, prev).bind(4, hash);
                    }));
            prev = hash;
        }
        return {};
    };
    if (db.in_transaction()) return seal();
    return in_transaction(db, seal);
}

}  // namespace detail

namespace {

// member.forget rows list the rows they redacted; a redaction is valid only if listed there.
Result<std::map<std::int64_t, std::set<std::int64_t>>> forget_lists(db::Database& db) {
    std::map<std::int64_t, std::set<std::int64_t>> lists;
    TRY(detail::for_each_row(db,
                             "SELECT id, after_json FROM audit_log WHERE action = 'member.forget'",
                             detail::no_parameters, [&](const db::Statement& st) {
                                 auto& ids = lists[st.int64(0)];
                                 auto doc = nlohmann::json::parse(st.text(1), nullptr, false);
                                 if (!doc.is_object() || !doc.contains("redacted_audit_rows"))
                                     return;
                                 for (const auto& v : doc["redacted_audit_rows"])
                                     if (v.is_number_integer()) ids.insert(v.get<std::int64_t>());
                             }));
    return lists;
}

}  // namespace

Result<std::vector<AuditRow>> AuditLog::rows(int limit) {
    return detail::rows_of<AuditRow>(
        db_,
        "SELECT id, at, actor, action, subject, before_json, after_json, os_user, redacted_by "
        "FROM audit_log ORDER BY id DESC LIMIT ?1",
        [&](db::Statement& st) { st.bind(1, limit); },
        [](const db::Statement& st) {
            return AuditRow{st.int64(0), st.int64(1), st.text(2), st.text(3),          st.text(4),
                            st.text(5),  st.text(6),  st.text(7), st.optional_int64(8)};
        });
}

Status AuditLog::record(std::string_view actor, std::string_view action, std::string_view subject,
                        std::string_view before_json, std::string_view after_json, UnixMs now) {
    if (actor.empty()) return fail("audit.actor", "is empty: every change names who made it");
    return detail::audit(db_, now, actor, action, subject, before_json, after_json);
}

Result<AuditChainCheck> AuditLog::verify_chain() {
    TRY_ASSIGN(auto lists, forget_lists(db_));
    AuditChainCheck check;
    std::string prev = std::string(64, '0');
    auto broken = [&](std::int64_t id, std::string why) {
        if (check.first_broken) return;
        check.first_broken = id;
        check.problem = std::move(why);
    };
    TRY(detail::for_each_row(
        db_,
        "SELECT id, at, actor, os_user, action, subject, before_json, after_json, content_hash, "
        "prev_hash, row_hash, redacted_by FROM audit_log ORDER BY id",
        detail::no_parameters, [&](const db::Statement& st) {
            ++check.rows;
            std::int64_t id = st.int64(0);
            auto content = st.optional_text(8).value_or("");
            auto row = st.optional_text(10).value_or("");
            if (row.empty()) return broken(id, "has no hash (written outside the ledger API)");
            if (st.optional_text(9).value_or("") != prev)
                return broken(id,
                              "does not follow the previous row (a row was removed or "
                              "inserted before it)");
            if (detail::audit_row_hash(prev, id, content) != row)
                return broken(id, "its row hash does not match (id or hash changed)");
            prev = row;
            if (auto by = st.optional_int64(11)) {
                ++check.redacted;
                auto list = lists.find(*by);
                if (list == lists.end() || list->second.count(id) == 0)
                    return broken(id, "is marked redacted by row " + std::to_string(*by) +
                                          ", which does not list it");
                return;
            }
            if (detail::audit_content_hash(st.int64(1), st.text(2), st.text(3), st.text(4),
                                           st.text(5), st.text(6), st.text(7)) != content)
                return broken(id, "its content was changed after it was written");
        }));
    return check;
}

}  // namespace fabgate::ledger

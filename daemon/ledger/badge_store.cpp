#include "ledger/badge_store.hpp"

#include "core/uid.hpp"
#include "ledger/audit_json.hpp"

namespace fabgate::ledger {

namespace {

std::string to_json(const Badge& b) {
    return nlohmann::json{
        {"uid", b.uid}, {"member_id", json_or_null(b.member_id)}, {"label", b.label}}
        .dump();
}

Result<std::string> canonical_uid(std::string_view uid) {
    auto parsed = Uid::parse(uid);
    if (!parsed) return fail("badge.uid", parsed.error().what);
    return parsed->hex();
}

Badge read_badge(const db::Statement& st) {
    return Badge{st.text(0), st.optional_text(1), st.text(2), st.optional_int64(3)};
}

constexpr detail::KeyedTable<Badge> kBadges{"SELECT uid, member_id, label, assigned_at FROM badges",
                                            "uid = ?1", "uid", read_badge};

}  // namespace

BadgeStore::BadgeStore(db::Database& db, MemberStore& members)
    : KeyedStore(db, kBadges), members_(members) {}

Result<std::vector<Badge>> BadgeStore::held_by(std::string_view member_id) {
    return kBadges.where(db_, "member_id = ?1 ORDER BY uid", member_id);
}

Status BadgeStore::assign(std::string_view uid_text, std::string_view member_id,
                          std::string_view label, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto holder, members_.find(member_id));
        if (!holder) return fail("member " + std::string(member_id), "does not exist");
        TRY_ASSIGN(auto before, find(uid));
        Badge after{uid, std::string(member_id), std::string(label), now};
        if (before && label.empty()) after.label = before->label;
        TRY(
            run("INSERT INTO badges(uid, member_id, label, assigned_at) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(uid) DO UPDATE SET member_id = excluded.member_id, "
                "label = excluded.label, assigned_at = excluded.assigned_at",
                [&](db::Statement& st) {
                    st.bind(1, uid).bind(2, member_id).bind(3, after.label).bind(4, now);
                }));
        // A badge that was reported unknown is known now.
        TRY(run("DELETE FROM unknown_badges WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return AuditEntry{"badge.assign", uid, before ? to_json(*before) : "", to_json(after)};
    });
}

Status BadgeStore::unassign(std::string_view uid_text, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(uid));
        if (!before) return fail("badge " + uid, "does not exist");
        Badge after = *before;
        after.member_id.reset();
        after.assigned_at.reset();
        TRY(run("UPDATE badges SET member_id = NULL, assigned_at = NULL WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return AuditEntry{"badge.unassign", uid, to_json(*before), to_json(after)};
    });
}

Status BadgeStore::remove(std::string_view uid_text, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(uid));
        if (!before) return fail("badge " + uid, "does not exist");
        TRY(run("DELETE FROM badges WHERE uid = ?1", [&](db::Statement& st) { st.bind(1, uid); }));
        return AuditEntry{"badge.remove", uid, to_json(*before), ""};
    });
}

Result<std::vector<UnknownBadge>> BadgeStore::unknown() {
    return rows_of<UnknownBadge>(
        // Gates hold only the badges with a right on their machine (minimal lists), so they
        // report a member's badge as unknown where the member has no right: it is not.
        "SELECT uid, site, machine, first_seen_at, last_seen_at, count FROM unknown_badges u "
        "WHERE NOT EXISTS (SELECT 1 FROM badges b WHERE b.uid = u.uid AND b.member_id IS NOT "
        "NULL) ORDER BY last_seen_at DESC, uid",
        no_parameters, [](const db::Statement& st) {
            return UnknownBadge{st.text(0),  st.text(1),  st.text(2),
                                st.int64(3), st.int64(4), st.int64(5)};
        });
}

Status BadgeStore::clear_unknown(std::string_view uid_text, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY(run("DELETE FROM unknown_badges WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return AuditEntry{"unknown_badge.clear", uid, "", ""};
    });
}

}  // namespace fabgate::ledger

// Members and their badges, and the badges the gates saw but nobody holds.
#include <nlohmann/json.hpp>

#include "core/uid.hpp"
#include "ledger/db_util.hpp"
#include "ledger/roster.hpp"

namespace fabgate::ledger {

using detail::audit;
using detail::first_row;
using detail::in_transaction;
using detail::no_parameters;
using detail::rows_of;
using detail::run;
using nlohmann::json;

namespace {

std::string to_json(const Member& m) {
    return json{{"id", m.id},
                {"name", m.name},
                {"contact", m.contact},
                {"member_class", m.member_class},
                {"status", to_string(m.status)},
                {"member_until", m.member_until ? json(*m.member_until) : json(nullptr)}}
        .dump();
}

std::string to_json(const Badge& b) {
    return json{{"uid", b.uid},
                {"member_id", b.member_id ? json(*b.member_id) : json(nullptr)},
                {"label", b.label}}
        .dump();
}

// Ingest prices a session by the class in force at its start (docs/ledger-schema.md, "Pricing").
Status record_class_change(db::Database& db, std::string_view member, std::string_view cls,
                           UnixMs from) {
    return run(db,
               "INSERT OR REPLACE INTO member_class_history(member_id, member_class, valid_from) "
               "VALUES(?1, ?2, ?3)",
               [&](db::Statement& st) { st.bind(1, member).bind(2, cls).bind(3, from); });
}

// A member's class from the beginning of time: a session the gate recorded before the member
// was added (clock drift) still finds a class. Rows of an earlier member with this id go.
Status start_class_history(db::Database& db, std::string_view member, std::string_view cls) {
    TRY(run(db, "DELETE FROM member_class_history WHERE member_id = ?1",
            [&](db::Statement& st) { st.bind(1, member); }));
    return record_class_change(db, member, cls, 0);
}

Status check_id(std::string_view where, std::string_view id) {
    if (id.empty() || id.size() > 64) return fail(std::string(where), "must be 1 to 64 characters");
    return {};
}

Result<std::string> canonical_uid(std::string_view uid) {
    auto parsed = Uid::parse(uid);
    if (!parsed) return fail("badge.uid", parsed.error().what);
    return parsed->hex();
}

constexpr std::string_view kMemberSelect =
    "SELECT id, name, contact, member_class, status, member_until, created_at FROM members ";

Member read_member(const db::Statement& st) {
    Member m;
    m.id = st.text(0);
    m.name = st.text(1);
    m.contact = st.text(2);
    m.member_class = st.text(3);
    m.status = member_status_from_string(st.text(4)).value_or(MemberStatus::Suspended);
    m.member_until = st.optional_int64(5);
    m.created_at = st.int64(6);
    return m;
}

constexpr std::string_view kBadgeSelect = "SELECT uid, member_id, label, assigned_at FROM badges ";

Badge read_badge(const db::Statement& st) {
    return Badge{st.text(0), st.optional_text(1), st.text(2), st.optional_int64(3)};
}

Result<std::optional<Badge>> find_badge(db::Database& db, const std::string& uid) {
    return first_row<Badge>(
        db, std::string(kBadgeSelect) + "WHERE uid = ?1",
        [&](db::Statement& st) { st.bind(1, uid); }, read_badge);
}

}  // namespace

std::string_view to_string(MemberStatus s) {
    return s == MemberStatus::Active ? "active" : "suspended";
}

std::optional<MemberStatus> member_status_from_string(std::string_view s) {
    if (s == "active") return MemberStatus::Active;
    if (s == "suspended") return MemberStatus::Suspended;
    return std::nullopt;
}

// ---- members --------------------------------------------------------------------------

Result<std::optional<Member>> Roster::member(std::string_view id) {
    return first_row<Member>(
        db_, std::string(kMemberSelect) + "WHERE id = ?1",
        [&](db::Statement& st) { st.bind(1, id); }, read_member);
}

Result<std::vector<Member>> Roster::members() {
    return rows_of<Member>(db_, std::string(kMemberSelect) + "ORDER BY id", no_parameters,
                           read_member);
}

Status Roster::add_member(const Member& m, std::string_view actor, UnixMs now) {
    TRY(check_id("member.id", m.id));
    if (m.member_class.empty()) return fail("member.member_class", "is empty");
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto existing, member(m.id));
        if (existing) return fail("member " + m.id, "exists already");
        TRY(run(db_,
                "INSERT INTO members(id, name, contact, member_class, status, member_until, "
                "created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                [&](db::Statement& st) {
                    st.bind(1, m.id).bind(2, m.name).bind(3, m.contact).bind(4, m.member_class);
                    st.bind(5, to_string(m.status)).bind(6, m.member_until).bind(7, now);
                }));
        TRY(start_class_history(db_, m.id, m.member_class));
        return audit(db_, now, actor, "member.add", m.id, "", to_json(m));
    });
}

Status Roster::update_member(const Member& m, std::string_view actor, UnixMs now) {
    if (m.member_class.empty()) return fail("member.member_class", "is empty");
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, member(m.id));
        if (!before) return fail("member " + m.id, "does not exist");
        TRY(run(db_,
                "UPDATE members SET name = ?2, contact = ?3, member_class = ?4, status = ?5, "
                "member_until = ?6 WHERE id = ?1",
                [&](db::Statement& st) {
                    st.bind(1, m.id).bind(2, m.name).bind(3, m.contact).bind(4, m.member_class);
                    st.bind(5, to_string(m.status)).bind(6, m.member_until);
                }));
        if (before->member_class != m.member_class)
            TRY(record_class_change(db_, m.id, m.member_class, now));
        return audit(db_, now, actor, "member.update", m.id, to_json(*before), to_json(m));
    });
}

Status Roster::set_member_status(std::string_view id, MemberStatus status, std::string_view actor,
                                 UnixMs now) {
    TRY_ASSIGN(auto m, member(id));
    if (!m) return fail("member " + std::string(id), "does not exist");
    Member changed = *m;
    changed.status = status;
    return update_member(changed, actor, now);
}

Status Roster::remove_member(std::string_view id, std::string_view actor, UnixMs now) {
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, member(id));
        if (!before) return fail("member " + std::string(id), "does not exist");
        auto bind_id = [&](db::Statement& st) { st.bind(1, id); };
        TRY(run(db_, "UPDATE badges SET member_id = NULL, assigned_at = NULL WHERE member_id = ?1",
                bind_id));
        TRY(run(db_, "DELETE FROM rights WHERE member_id = ?1", bind_id));
        TRY(run(db_, "DELETE FROM members WHERE id = ?1", bind_id));
        return audit(db_, now, actor, "member.remove", id, to_json(*before), "");
    });
}

// ---- badges ---------------------------------------------------------------------------

Result<std::vector<Badge>> Roster::badges() {
    return rows_of<Badge>(db_, std::string(kBadgeSelect) + "ORDER BY uid", no_parameters,
                          read_badge);
}

Result<std::vector<Badge>> Roster::badges_of(std::string_view member_id) {
    return rows_of<Badge>(
        db_, std::string(kBadgeSelect) + "WHERE member_id = ?1 ORDER BY uid",
        [&](db::Statement& st) { st.bind(1, member_id); }, read_badge);
}

Status Roster::assign_badge(std::string_view uid_text, std::string_view member_id,
                            std::string_view label, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto holder, member(member_id));
        if (!holder) return fail("member " + std::string(member_id), "does not exist");
        TRY_ASSIGN(auto before, find_badge(db_, uid));
        Badge after{uid, std::string(member_id), std::string(label), now};
        if (before && label.empty()) after.label = before->label;
        TRY(run(db_,
                "INSERT INTO badges(uid, member_id, label, assigned_at) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(uid) DO UPDATE SET member_id = excluded.member_id, "
                "label = excluded.label, assigned_at = excluded.assigned_at",
                [&](db::Statement& st) {
                    st.bind(1, uid).bind(2, member_id).bind(3, after.label).bind(4, now);
                }));
        // A badge that was reported unknown is known now.
        TRY(run(db_, "DELETE FROM unknown_badges WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return audit(db_, now, actor, "badge.assign", uid, before ? to_json(*before) : "",
                     to_json(after));
    });
}

Status Roster::unassign_badge(std::string_view uid_text, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, find_badge(db_, uid));
        if (!before) return fail("badge " + uid, "does not exist");
        Badge after = *before;
        after.member_id.reset();
        after.assigned_at.reset();
        TRY(run(db_, "UPDATE badges SET member_id = NULL, assigned_at = NULL WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return audit(db_, now, actor, "badge.unassign", uid, to_json(*before), to_json(after));
    });
}

Status Roster::remove_badge(std::string_view uid_text, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, find_badge(db_, uid));
        if (!before) return fail("badge " + uid, "does not exist");
        TRY(run(db_, "DELETE FROM badges WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return audit(db_, now, actor, "badge.remove", uid, to_json(*before), "");
    });
}

Result<std::vector<UnknownBadge>> Roster::unknown_badges() {
    return rows_of<UnknownBadge>(
        db_,
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

Status Roster::clear_unknown_badge(std::string_view uid_text, std::string_view actor, UnixMs now) {
    TRY_ASSIGN(auto uid, canonical_uid(uid_text));
    return in_transaction(db_, [&]() -> Status {
        TRY(run(db_, "DELETE FROM unknown_badges WHERE uid = ?1",
                [&](db::Statement& st) { st.bind(1, uid); }));
        return audit(db_, now, actor, "unknown_badge.clear", uid, "", "");
    });
}

}  // namespace fabgate::ledger

#include "ledger/member_store.hpp"

#include "core/enum_names.hpp"
#include "ledger/audit_json.hpp"
#include "ledger/columns.hpp"

namespace fabgate::ledger {

constexpr EnumNames<MemberStatus, 2> kMemberStatusNames{
    {{MemberStatus::Active, "active"}, {MemberStatus::Suspended, "suspended"}}};

EnumNameTable<MemberStatus> enum_names(MemberStatus) {
    return kMemberStatusNames.table("suspended");
}

namespace {

std::string to_json(const Member& m) {
    return nlohmann::json{{"id", m.id},
                          {"name", m.name},
                          {"contact", m.contact},
                          {"member_class", m.member_class},
                          {"status", to_string(m.status)},
                          {"member_until", json_or_null(m.member_until)}}
        .dump();
}

Status check_id(std::string_view where, std::string_view id) {
    if (id.empty() || id.size() > 64) return fail(std::string(where), "must be 1 to 64 characters");
    return {};
}

Status check_class(const Member& m) {
    if (m.member_class.empty()) return fail("member.member_class", "is empty");
    return {};
}

Member read_member(const db::Statement& st) {
    Member m;
    detail::read_columns(
        st, 0, m.id, m.name, m.contact, m.member_class,
        detail::named(m.status, member_status_from_string, MemberStatus::Suspended), m.member_until,
        m.created_at);
    return m;
}

constexpr detail::KeyedTable<Member> kMembers{
    "SELECT id, name, contact, member_class, status, member_until, created_at FROM members",
    "id = ?1", "id", read_member};

}  // namespace

MemberStore::MemberStore(db::Database& db) : KeyedStore(db, kMembers) {}

// Ingest prices a session by the class in force at its start (docs/ledger-schema.md, "Pricing").
// A member's class history starts at the beginning of time: a session the gate recorded before
// the member was added (clock drift) still finds a class. An earlier, removed member with this
// id keeps their rows, so their sessions keep the class they had; the new member's class starts
// when they are added.
Status MemberStore::add(const Member& m, std::string_view actor, UnixMs now) {
    TRY(check_id("member.id", m.id));
    TRY(check_class(m));
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto existing, find(m.id));
        if (existing) return fail("member " + m.id, "exists already");
        TRY(
            run("INSERT INTO members(id, name, contact, member_class, status, member_until, "
                "created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                [&](db::Statement& st) {
                    st.bind(1, m.id).bind(2, m.name).bind(3, m.contact).bind(4, m.member_class);
                    st.bind(5, to_string(m.status)).bind(6, m.member_until).bind(7, now);
                }));
        TRY_ASSIGN(auto earlier, first_row<std::int64_t>(
                                     "SELECT 1 FROM member_class_history WHERE member_id = ?1",
                                     [&](db::Statement& st) { st.bind(1, m.id); },
                                     [](const db::Statement& st) { return st.int64(0); }));
        TRY(record_class_change(m.id, m.member_class, earlier ? now : 0));
        return AuditEntry{"member.add", m.id, "", to_json(m)};
    });
}

Status MemberStore::record_class_change(std::string_view member, std::string_view cls,
                                        UnixMs from) {
    return run(
        "INSERT OR REPLACE INTO member_class_history(member_id, member_class, valid_from) "
        "VALUES(?1, ?2, ?3)",
        [&](db::Statement& st) { st.bind(1, member).bind(2, cls).bind(3, from); });
}

Status MemberStore::update(const Member& m, std::string_view actor, UnixMs now) {
    TRY(check_class(m));
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(m.id));
        if (!before) return fail("member " + m.id, "does not exist");
        TRY(
            run("UPDATE members SET name = ?2, contact = ?3, member_class = ?4, status = ?5, "
                "member_until = ?6 WHERE id = ?1",
                [&](db::Statement& st) {
                    st.bind(1, m.id).bind(2, m.name).bind(3, m.contact).bind(4, m.member_class);
                    st.bind(5, to_string(m.status)).bind(6, m.member_until);
                }));
        if (before->member_class != m.member_class)
            TRY(record_class_change(m.id, m.member_class, now));
        return AuditEntry{"member.update", m.id, to_json(*before), to_json(m)};
    });
}

Status MemberStore::set_status(std::string_view id, MemberStatus status, std::string_view actor,
                               UnixMs now) {
    TRY_ASSIGN(auto m, find(id));
    if (!m) return fail("member " + std::string(id), "does not exist");
    Member changed = *m;
    changed.status = status;
    return update(changed, actor, now);
}

Status MemberStore::remove(std::string_view id, std::string_view actor, UnixMs now) {
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(id));
        if (!before) return fail("member " + std::string(id), "does not exist");
        auto bind_id = [&](db::Statement& st) { st.bind(1, id); };
        TRY(run("UPDATE badges SET member_id = NULL, assigned_at = NULL WHERE member_id = ?1",
                bind_id));
        TRY(run("DELETE FROM rights WHERE member_id = ?1", bind_id));
        TRY(run("DELETE FROM members WHERE id = ?1", bind_id));
        return AuditEntry{"member.remove", std::string(id), to_json(*before), ""};
    });
}

}  // namespace fabgate::ledger

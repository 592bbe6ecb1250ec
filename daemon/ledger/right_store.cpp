#include "ledger/right_store.hpp"

#include "ledger/audit_json.hpp"
#include "ledger/columns.hpp"

namespace fabgate::ledger {

namespace {

std::string to_json(const Right& r) {
    return nlohmann::json{{"member_id", r.member_id},
                          {"target_kind", to_string(r.target_kind)},
                          {"target", r.target},
                          {"role", to_string(r.role)},
                          {"valid_until", json_or_null(r.valid_until)}}
        .dump();
}

Right read_right(const db::Statement& st) {
    Right r;
    detail::read_columns(st, 0, r.member_id,
                         detail::named(r.target_kind, target_kind_from_string, TargetKind::Machine),
                         r.target, detail::named(r.role, role_from_string, Role::None),
                         r.granted_by, r.granted_at, r.valid_until);
    return r;
}

constexpr detail::KeyedTable<Right> kRights{
    "SELECT member_id, target_kind, target, role, granted_by, granted_at, valid_until FROM rights",
    "member_id = ?1 AND target_kind = ?2 AND target = ?3", "member_id, target_kind, target",
    read_right};

std::string subject_of(std::string_view member_id, TargetKind kind, std::string_view target) {
    return std::string(member_id) + " " + std::string(to_string(kind)) + ":" + std::string(target);
}

}  // namespace

RightStore::RightStore(db::Database& db, MemberStore& members)
    : KeyedStore(db, kRights), members_(members) {}

Result<std::vector<Right>> RightStore::held_by(std::string_view member_id) {
    return kRights.where(db_, "member_id = ?1 ORDER BY target_kind, target", member_id);
}

Status RightStore::grant(const Right& r, std::string_view actor, UnixMs now) {
    if (r.role == Role::None) return fail("right.role", "must be user, supervisor or maintainer");
    if (r.target.empty()) return fail("right.target", "names no machine or group");
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto holder, members_.find(r.member_id));
        if (!holder) return fail("member " + r.member_id, "does not exist");
        TRY_ASSIGN(auto before, find(r.member_id, r.target_kind, r.target));
        Right after = r;
        after.granted_at = now;
        if (after.granted_by.empty()) after.granted_by = std::string(actor);
        TRY(
            run("INSERT OR REPLACE INTO rights(member_id, target_kind, target, role, granted_by, "
                "granted_at, valid_until) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                [&](db::Statement& st) {
                    st.bind(1, after.member_id).bind(2, to_string(after.target_kind));
                    st.bind(3, after.target).bind(4, to_string(after.role));
                    st.bind(5, after.granted_by).bind(6, now).bind(7, after.valid_until);
                }));
        return AuditEntry{"right.grant", subject_of(r.member_id, r.target_kind, r.target),
                          before ? to_json(*before) : "", to_json(after)};
    });
}

Status RightStore::revoke(std::string_view member_id, TargetKind kind, std::string_view target,
                          std::string_view actor, UnixMs now) {
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(member_id, kind, target));
        std::string subject = subject_of(member_id, kind, target);
        if (!before) return fail("right " + subject, "does not exist");
        TRY(run("DELETE FROM rights WHERE member_id = ?1 AND target_kind = ?2 AND target = ?3",
                [&](db::Statement& st) {
                    st.bind(1, member_id).bind(2, to_string(kind)).bind(3, target);
                }));
        return AuditEntry{"right.revoke", subject, to_json(*before), ""};
    });
}

}  // namespace fabgate::ledger

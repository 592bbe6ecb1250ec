// Machines, their maintenance locks, and members' rights on machines and groups.
#include <nlohmann/json.hpp>

#include "core/ids.hpp"
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

std::string to_json(const Machine& m) {
    return json{{"site", m.site},
                {"id", m.id},
                {"name", m.name},
                {"group_name", m.group_name ? json(*m.group_name) : json(nullptr)}}
        .dump();
}

std::string to_json(const Right& r) {
    return json{{"member_id", r.member_id},
                {"target_kind", to_string(r.target_kind)},
                {"target", r.target},
                {"role", to_string(r.role)},
                {"valid_until", r.valid_until ? json(*r.valid_until) : json(nullptr)}}
        .dump();
}

constexpr std::string_view kMachineSelect = "SELECT site, id, name, group_name FROM machines ";

Machine read_machine(const db::Statement& st) {
    return Machine{st.text(0), st.text(1), st.text(2), st.optional_text(3)};
}

std::string lock_json(const std::optional<MaintenanceLock>& lock) {
    if (!lock) return "";
    return json{{"locked_by", lock->by}, {"reason", lock->reason}, {"since", lock->since}}.dump();
}

constexpr std::string_view kRightSelect =
    "SELECT member_id, target_kind, target, role, granted_by, granted_at, valid_until FROM rights ";

Right read_right(const db::Statement& st) {
    Right r;
    r.member_id = st.text(0);
    r.target_kind = target_kind_from_string(st.text(1)).value_or(TargetKind::Machine);
    r.target = st.text(2);
    r.role = role_from_string(st.text(3)).value_or(Role::None);
    r.granted_by = st.text(4);
    r.granted_at = st.int64(5);
    r.valid_until = st.optional_int64(6);
    return r;
}

Result<std::optional<Right>> find_right(db::Database& db, std::string_view member_id,
                                        TargetKind kind, std::string_view target) {
    return first_row<Right>(
        db, std::string(kRightSelect) + "WHERE member_id = ?1 AND target_kind = ?2 AND target = ?3",
        [&](db::Statement& st) { st.bind(1, member_id).bind(2, to_string(kind)).bind(3, target); },
        read_right);
}

std::string right_subject(std::string_view member_id, TargetKind kind, std::string_view target) {
    return std::string(member_id) + " " + std::string(to_string(kind)) + ":" + std::string(target);
}

}  // namespace

// ---- machines -------------------------------------------------------------------------

Result<std::optional<Machine>> Roster::machine(std::string_view site, std::string_view id) {
    return first_row<Machine>(
        db_, std::string(kMachineSelect) + "WHERE site = ?1 AND id = ?2",
        [&](db::Statement& st) { st.bind(1, site).bind(2, id); }, read_machine);
}

Result<std::vector<Machine>> Roster::machines() {
    return rows_of<Machine>(db_, std::string(kMachineSelect) + "ORDER BY site, id", no_parameters,
                            read_machine);
}

Result<std::optional<MaintenanceLock>> Roster::machine_lock(std::string_view site,
                                                            std::string_view id) {
    return first_row<MaintenanceLock>(
        db_,
        "SELECT locked_by, lock_reason, locked_since FROM machines WHERE site = ?1 AND id = ?2 "
        "AND locked_by IS NOT NULL",
        [&](db::Statement& st) { st.bind(1, site).bind(2, id); },
        [](const db::Statement& st) {
            return MaintenanceLock{st.text(0), st.optional_text(1).value_or(""),
                                   st.optional_int64(2).value_or(0)};
        });
}

Status Roster::set_machine_lock(std::string_view site, std::string_view id,
                                const std::optional<MaintenanceLock>& lock, std::string_view actor,
                                UnixMs now) {
    if (lock && lock->by.empty()) return fail("machine lock", "names nobody: who locks it?");
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, machine(site, id));
        std::string subject = std::string(site) + "/" + std::string(id);
        if (!before) return fail("machine " + subject, "does not exist");
        TRY_ASSIGN(auto was, machine_lock(site, id));
        TRY(run(db_,
                "UPDATE machines SET locked_by = ?3, lock_reason = ?4, locked_since = ?5 "
                "WHERE site = ?1 AND id = ?2",
                [&](db::Statement& st) {
                    st.bind(1, site).bind(2, id);
                    if (lock)
                        st.bind(3, lock->by).bind(4, lock->reason).bind(5, lock->since);
                    else
                        st.bind_null(3).bind_null(4).bind_null(5);
                }));
        return audit(db_, now, actor, "machine.maintenance", subject, lock_json(was),
                     lock_json(lock));
    });
}

Status Roster::upsert_machine(const Machine& m, std::string_view actor, UnixMs now) {
    if (!is_valid_id(m.site))
        return fail("machine.site", "use 1 to 64 letters, digits, '-' and '_'");
    if (!is_valid_id(m.id)) return fail("machine.id", "use 1 to 64 letters, digits, '-' and '_'");
    if (m.group_name && m.group_name->empty())
        return fail("machine.group_name", "is empty (leave it out instead)");
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, machine(m.site, m.id));
        Machine after = m;
        if (after.name.empty()) after.name = m.id;
        TRY(run(db_,
                "INSERT INTO machines(site, id, name, group_name) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(site, id) DO UPDATE SET name = excluded.name, "
                "group_name = excluded.group_name",
                [&](db::Statement& st) {
                    st.bind(1, after.site).bind(2, after.id).bind(3, after.name);
                    st.bind(4, after.group_name);
                }));
        return audit(db_, now, actor, before ? "machine.update" : "machine.add",
                     m.site + "/" + m.id, before ? to_json(*before) : "", to_json(after));
    });
}

Status Roster::remove_machine(std::string_view site, std::string_view id, std::string_view actor,
                              UnixMs now) {
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, machine(site, id));
        std::string subject = std::string(site) + "/" + std::string(id);
        if (!before) return fail("machine " + subject, "does not exist");
        TRY(run(db_, "DELETE FROM machines WHERE site = ?1 AND id = ?2",
                [&](db::Statement& st) { st.bind(1, site).bind(2, id); }));
        return audit(db_, now, actor, "machine.remove", subject, to_json(*before), "");
    });
}

// ---- rights ---------------------------------------------------------------------------

Result<std::vector<Right>> Roster::rights() {
    return rows_of<Right>(db_,
                          std::string(kRightSelect) + "ORDER BY member_id, target_kind, target",
                          no_parameters, read_right);
}

Result<std::vector<Right>> Roster::rights_of(std::string_view member_id) {
    return rows_of<Right>(
        db_, std::string(kRightSelect) + "WHERE member_id = ?1 ORDER BY target_kind, target",
        [&](db::Statement& st) { st.bind(1, member_id); }, read_right);
}

Status Roster::grant_right(const Right& r, std::string_view actor, UnixMs now) {
    if (r.role == Role::None) return fail("right.role", "must be user, supervisor or maintainer");
    if (r.target.empty()) return fail("right.target", "names no machine or group");
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto holder, member(r.member_id));
        if (!holder) return fail("member " + r.member_id, "does not exist");
        TRY_ASSIGN(auto before, find_right(db_, r.member_id, r.target_kind, r.target));
        Right after = r;
        after.granted_at = now;
        if (after.granted_by.empty()) after.granted_by = std::string(actor);
        TRY(run(db_,
                "INSERT OR REPLACE INTO rights(member_id, target_kind, target, role, granted_by, "
                "granted_at, valid_until) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                [&](db::Statement& st) {
                    st.bind(1, after.member_id).bind(2, to_string(after.target_kind));
                    st.bind(3, after.target).bind(4, to_string(after.role));
                    st.bind(5, after.granted_by).bind(6, now).bind(7, after.valid_until);
                }));
        return audit(db_, now, actor, "right.grant",
                     right_subject(r.member_id, r.target_kind, r.target),
                     before ? to_json(*before) : "", to_json(after));
    });
}

Status Roster::revoke_right(std::string_view member_id, TargetKind kind, std::string_view target,
                            std::string_view actor, UnixMs now) {
    return in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto before, find_right(db_, member_id, kind, target));
        std::string subject = right_subject(member_id, kind, target);
        if (!before) return fail("right " + subject, "does not exist");
        TRY(run(db_, "DELETE FROM rights WHERE member_id = ?1 AND target_kind = ?2 AND target = ?3",
                [&](db::Statement& st) {
                    st.bind(1, member_id).bind(2, to_string(kind)).bind(3, target);
                }));
        return audit(db_, now, actor, "right.revoke", subject, to_json(*before), "");
    });
}

}  // namespace fabgate::ledger

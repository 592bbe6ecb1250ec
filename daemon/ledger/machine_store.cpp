#include "ledger/machine_store.hpp"

#include "core/ids.hpp"
#include "ledger/audit_json.hpp"

namespace fabgate::ledger {

namespace {

std::string to_json(const Machine& m) {
    return nlohmann::json{{"site", m.site},
                          {"id", m.id},
                          {"name", m.name},
                          {"group_name", json_or_null(m.group_name)}}
        .dump();
}

std::string lock_json(const std::optional<MaintenanceLock>& lock) {
    if (!lock) return "";
    return nlohmann::json{{"locked_by", lock->by}, {"reason", lock->reason}, {"since", lock->since}}
        .dump();
}

Machine read_machine(const db::Statement& st) {
    return Machine{st.text(0), st.text(1), st.text(2), st.optional_text(3)};
}

constexpr detail::KeyedTable<Machine> kMachines{"SELECT site, id, name, group_name FROM machines",
                                                "site = ?1 AND id = ?2", "site, id", read_machine};

std::string subject_of(std::string_view site, std::string_view id) {
    return std::string(site) + "/" + std::string(id);
}

}  // namespace

MachineStore::MachineStore(db::Database& db) : KeyedStore(db, kMachines) {}

Result<std::optional<MaintenanceLock>> MachineStore::lock_of(std::string_view site,
                                                             std::string_view id) {
    return first_row<MaintenanceLock>(
        "SELECT locked_by, lock_reason, locked_since FROM machines WHERE site = ?1 AND id = ?2 "
        "AND locked_by IS NOT NULL",
        [&](db::Statement& st) { st.bind(1, site).bind(2, id); },
        [](const db::Statement& st) {
            return MaintenanceLock{st.text(0), st.optional_text(1).value_or(""),
                                   st.optional_int64(2).value_or(0)};
        });
}

Status MachineStore::set_lock(std::string_view site, std::string_view id,
                              const std::optional<MaintenanceLock>& lock, std::string_view actor,
                              UnixMs now) {
    if (lock && lock->by.empty()) return fail("machine lock", "names nobody: who locks it?");
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(site, id));
        std::string subject = subject_of(site, id);
        if (!before) return fail("machine " + subject, "does not exist");
        TRY_ASSIGN(auto was, lock_of(site, id));
        TRY(
            run("UPDATE machines SET locked_by = ?3, lock_reason = ?4, locked_since = ?5 "
                "WHERE site = ?1 AND id = ?2",
                [&](db::Statement& st) {
                    st.bind(1, site).bind(2, id);
                    if (lock)
                        st.bind(3, lock->by).bind(4, lock->reason).bind(5, lock->since);
                    else
                        st.bind_null(3).bind_null(4).bind_null(5);
                }));
        return AuditEntry{"machine.maintenance", subject, lock_json(was), lock_json(lock)};
    });
}

Status MachineStore::upsert(const Machine& m, std::string_view actor, UnixMs now) {
    if (!is_valid_id(m.site))
        return fail("machine.site", "use 1 to 64 letters, digits, '-' and '_'");
    if (!is_valid_id(m.id)) return fail("machine.id", "use 1 to 64 letters, digits, '-' and '_'");
    if (m.group_name && m.group_name->empty())
        return fail("machine.group_name", "is empty (leave it out instead)");
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(m.site, m.id));
        Machine after = m;
        if (after.name.empty()) after.name = m.id;
        TRY(
            run("INSERT INTO machines(site, id, name, group_name) VALUES(?1, ?2, ?3, ?4) "
                "ON CONFLICT(site, id) DO UPDATE SET name = excluded.name, "
                "group_name = excluded.group_name",
                [&](db::Statement& st) {
                    st.bind(1, after.site).bind(2, after.id).bind(3, after.name);
                    st.bind(4, after.group_name);
                }));
        return AuditEntry{before ? "machine.update" : "machine.add", subject_of(m.site, m.id),
                          before ? to_json(*before) : "", to_json(after)};
    });
}

Status MachineStore::remove(std::string_view site, std::string_view id, std::string_view actor,
                            UnixMs now) {
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(site, id));
        std::string subject = subject_of(site, id);
        if (!before) return fail("machine " + subject, "does not exist");
        TRY(run("DELETE FROM machines WHERE site = ?1 AND id = ?2",
                [&](db::Statement& st) { st.bind(1, site).bind(2, id); }));
        return AuditEntry{"machine.remove", subject, to_json(*before), ""};
    });
}

}  // namespace fabgate::ledger

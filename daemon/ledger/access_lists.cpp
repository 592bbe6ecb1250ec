#include "ledger/access_lists.hpp"

#include <map>

#include "core/acl_builder.hpp"
#include "ledger/db_util.hpp"

namespace fabgate::ledger {

using detail::for_each_row;
using detail::no_parameters;

std::string acl_content_hash(const AccessList& list) {
    AccessList content = list;
    content.version = 0;
    content.generated_at = 0;
    return detail::fnv1a_hex(signed_content(content));
}

namespace {

// Everything a list is built from, read in one snapshot.
struct AclSources {
    std::vector<AclMemberRow> members;
    std::vector<AclBadgeRow> badges;
    std::vector<AclRightRow> rights;
    std::map<std::pair<std::string, std::string>, MaintenanceLock> locks;
};

Status read_sources(db::Database& db, AclSources& out) {
    // Only members holding a badge can appear.
    TRY(for_each_row(db,
                     "SELECT DISTINCT m.id, m.name, m.status, m.member_until FROM members m "
                     "JOIN badges b ON b.member_id = m.id",
                     no_parameters, [&](const db::Statement& st) {
                         out.members.push_back({st.text(0), st.text(1), st.text(2) == "suspended",
                                                st.optional_int64(3)});
                     }));
    TRY(for_each_row(db, "SELECT uid, member_id FROM badges WHERE member_id IS NOT NULL",
                     no_parameters, [&](const db::Statement& st) {
                         out.badges.push_back({st.text(0), st.text(1)});
                     }));
    TRY(for_each_row(db, "SELECT member_id, target_kind, target, role, valid_until FROM rights",
                     no_parameters, [&](const db::Statement& st) {
                         out.rights.push_back(
                             {st.text(0),
                              target_kind_from_string(st.text(1)).value_or(TargetKind::Machine),
                              st.text(2), role_from_string(st.text(3)).value_or(Role::None),
                              st.optional_int64(4)});
                     }));
    return for_each_row(db,
                        "SELECT site, id, locked_by, lock_reason, locked_since FROM machines "
                        "WHERE locked_by IS NOT NULL",
                        no_parameters, [&](const db::Statement& st) {
                            // A gate refuses a whole list with a longer string, and keeps the one
                            // in force: a lock a manager explained at length would never reach
                            // it, nor any later revocation.
                            out.locks[{st.text(0), st.text(1)}] =
                                MaintenanceLock{fit_text_field(st.text(2)),
                                                fit_text_field(st.optional_text(3).value_or("")),
                                                st.optional_int64(4).value_or(0)};
                        });
}

}  // namespace

Result<AccessList> AccessListVersions::build(const Machine& m, UnixMs now) {
    TRY_ASSIGN(auto lists, build_all(std::span<const Machine>(&m, 1), now));
    return std::move(lists.front());
}

Result<std::vector<AccessList>> AccessListVersions::build_all(std::span<const Machine> machines,
                                                              UnixMs now) {
    AclSources sources;
    // One read snapshot: a fabctl change between two of these reads cannot produce a list
    // mixing before and after. A savepoint nests inside a caller's transaction too.
    TRY(db_.exec("SAVEPOINT acl_read"));
    auto status = read_sources(db_, sources);
    (void)db_.exec("RELEASE acl_read");
    TRY(status);
    std::vector<AccessList> lists;
    lists.reserve(machines.size());
    for (const auto& m : machines) {
        lists.push_back(fabgate::build_access_list(AclMachineRef{m.site, m.id, m.group_name},
                                                   sources.members, sources.badges, sources.rights,
                                                   now));
        // The lock travels in the list: signed, retained, cached by the gate.
        if (auto it = sources.locks.find({m.site, m.id}); it != sources.locks.end())
            lists.back().maintenance = it->second;
    }
    return lists;
}

Result<std::optional<AclVersionRow>> AccessListVersions::latest(std::string_view site,
                                                                std::string_view machine) {
    return detail::first_row<AclVersionRow>(
        db_,
        "SELECT site, machine, version, content_hash, published_at, entries FROM acl_versions "
        "WHERE site = ?1 AND machine = ?2 ORDER BY version DESC LIMIT 1",
        [&](db::Statement& st) { st.bind(1, site).bind(2, machine); },
        [](const db::Statement& st) {
            return AclVersionRow{st.text(0), st.text(1),  st.int64(2),
                                 st.text(3), st.int64(4), st.int64(5)};
        });
}

Result<std::vector<std::pair<std::string, std::string>>> AccessListVersions::removed_machines() {
    return detail::rows_of<std::pair<std::string, std::string>>(
        db_,
        "SELECT DISTINCT v.site, v.machine FROM acl_versions v WHERE NOT EXISTS("
        "SELECT 1 FROM machines m WHERE m.site = v.site AND m.id = v.machine) ORDER BY 1, 2",
        no_parameters,
        [](const db::Statement& st) { return std::make_pair(st.text(0), st.text(1)); });
}

Status AccessListVersions::record(const AclVersionRow& row) {
    return detail::in_transaction(db_, [&]() -> Status {
        TRY_ASSIGN(auto newest, latest(row.site, row.machine));
        if (newest && newest->version >= row.version)
            return fail("acl " + row.site + "/" + row.machine,
                        "version " + std::to_string(row.version) + " is not above " +
                            std::to_string(newest->version));
        TRY(detail::run(
            db_,
            "INSERT INTO acl_versions(site, machine, version, content_hash, published_at, entries) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
            [&](db::Statement& st) {
                st.bind(1, row.site).bind(2, row.machine).bind(3, row.version);
                st.bind(4, row.content_hash).bind(5, row.published_at).bind(6, row.entries);
            }));
        // A reissue (same content, new version and time) replaces the row it renews: only the
        // latest version per machine is ever read (the next version, the freshness check and
        // the bound on versions gates report), so the table keeps one row per content change
        // instead of gaining acl_reissue_s's 24 a day per machine.
        if (!newest || newest->content_hash != row.content_hash) return {};
        return detail::run(
            db_, "DELETE FROM acl_versions WHERE site = ?1 AND machine = ?2 AND version = ?3",
            [&](db::Statement& st) {
                st.bind(1, row.site).bind(2, row.machine).bind(3, newest->version);
            });
    });
}

}  // namespace fabgate::ledger

// The web console's manager accounts (schema: kSchemaConsole, docs/ledger-schema.md).
#include <nlohmann/json.hpp>

#include "core/enum_names.hpp"
#include "ledger/columns.hpp"
#include "ledger/db_util.hpp"
#include "ledger/manager_accounts.hpp"

namespace fabgate::ledger {

constexpr EnumNames<ManagerRole, 3> kManagerRoleNames{{{ManagerRole::Admin, "admin"},
                                                       {ManagerRole::Trainer, "trainer"},
                                                       {ManagerRole::Treasurer, "treasurer"}}};

EnumNameTable<ManagerRole> enum_names(ManagerRole) {
    return kManagerRoleNames.table("admin");
}

namespace {

std::string join_machines(const std::vector<std::string>& machines) {
    std::string out;
    for (const auto& m : machines) out += (out.empty() ? "" : ",") + m;
    return out;
}

std::vector<std::string> split_machines(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto part = text.substr(0, comma);
        if (!part.empty()) out.emplace_back(part);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return out;
}

// What the audit log keeps of an account: never the hash, not even of a password.
std::string audit_json(const ManagerAccount& a) {
    nlohmann::json j{
        {"login", a.login}, {"role", std::string(to_string(a.role))}, {"machines", a.machines}};
    return j.dump();
}

ManagerAccount read_account(const db::Statement& st) {
    ManagerAccount a;
    detail::read_columns(st, 0, a.login,
                         detail::named(a.role, manager_role_from_string, ManagerRole::Treasurer));
    a.machines = split_machines(st.text(2));
    detail::read_columns(st, 3, a.password_hash, a.created_at, a.updated_at);
    return a;
}

constexpr detail::KeyedTable<ManagerAccount> kAccounts{
    "SELECT login, role, machines, password_hash, created_at, updated_at FROM manager_accounts",
    "login = ?1", "login", read_account};

}  // namespace

ManagerAccounts::ManagerAccounts(db::Database& db) : KeyedStore(db, kAccounts) {}

Status ManagerAccounts::put(const ManagerAccount& account, std::string_view actor, UnixMs now) {
    if (account.login.empty()) return fail("manager login", "is empty");
    if (account.password_hash.empty()) return fail("manager " + account.login, "has no password");
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(account.login));
        TRY(
            run("INSERT INTO manager_accounts(login, role, machines, password_hash, "
                "created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?5) "
                "ON CONFLICT(login) DO UPDATE SET role = ?2, machines = ?3, "
                "password_hash = ?4, updated_at = ?5",
                [&](db::Statement& st) {
                    st.bind(1, account.login)
                        .bind(2, to_string(account.role))
                        .bind(3, join_machines(account.machines))
                        .bind(4, account.password_hash)
                        .bind(5, now);
                }));
        return AuditEntry{before ? "manager.update" : "manager.add", account.login,
                          before ? audit_json(*before) : "", audit_json(account)};
    });
}

Status ManagerAccounts::remove(std::string_view login, std::string_view actor, UnixMs now) {
    return audited(actor, now, [&]() -> Result<AuditEntry> {
        TRY_ASSIGN(auto before, find(login));
        if (!before) return fail("manager " + std::string(login), "does not exist");
        TRY(run("DELETE FROM manager_accounts WHERE login = ?1",
                [&](db::Statement& st) { st.bind(1, login); }));
        return AuditEntry{"manager.remove", std::string(login), audit_json(*before), ""};
    });
}

}  // namespace fabgate::ledger

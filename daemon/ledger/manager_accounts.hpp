#pragma once
// The web console's logins (schema: kSchemaConsole, docs/ledger-schema.md), audited without
// the password hash.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/enum_names.hpp"
#include "core/result.hpp"
#include "ledger/audited_store.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

enum class ManagerRole { Admin, Trainer, Treasurer };
EnumNameTable<ManagerRole> enum_names(ManagerRole);  // admin, trainer, treasurer
using fabgate::to_string;
inline constexpr auto manager_role_from_string = from_string<ManagerRole>;

// A login to the web console. The password is never stored: password_hash is libsodium's
// crypto_pwhash_str (Argon2id) string, made and checked by fabweb.
struct ManagerAccount {
    std::string login;
    ManagerRole role = ManagerRole::Admin;
    std::vector<std::string> machines;  // a trainer's machines, "site/id"
    std::string password_hash;
    UnixMs created_at = 0;
    UnixMs updated_at = 0;
};

// find(login) and all() come from KeyedStore.
class ManagerAccounts : public KeyedStore<ManagerAccount, std::string_view> {
  public:
    explicit ManagerAccounts(db::Database& db);

    // Creates the account or replaces its role, machines and hash (manager.add / .update).
    Status put(const ManagerAccount& account, std::string_view actor, UnixMs now);
    Status remove(std::string_view login, std::string_view actor, UnixMs now);
};

}  // namespace fabgate::ledger

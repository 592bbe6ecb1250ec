#include "ledger/ledger_db.hpp"

#include "ledger/schema.hpp"

namespace fabgate::ledger {

struct LedgerDb::Impl {};

std::string_view to_string(MemberStatus s) { return s == MemberStatus::Active ? "active" : "suspended"; }

std::optional<MemberStatus> member_status_from_string(std::string_view s) {
    if (s == "active") return MemberStatus::Active;
    if (s == "suspended") return MemberStatus::Suspended;
    return std::nullopt;
}

LedgerDb::LedgerDb(db::Database database) : db_(std::move(database)), impl_(std::make_unique<Impl>()) {}
LedgerDb::LedgerDb(LedgerDb&&) noexcept = default;
LedgerDb& LedgerDb::operator=(LedgerDb&&) noexcept = default;
LedgerDb::~LedgerDb() = default;

Result<LedgerDb> LedgerDb::open(const std::string& path, const OpenOptions& options) {
    db::OpenOptions o;
    o.create = options.create;
    o.durability = options.durability;
    o.busy_timeout_ms = options.busy_timeout_ms;
    o.verify_integrity = options.verify_integrity;
    o.application_id = kLedgerApplicationId;
    o.application_name = "FabGate ledger";
    o.migrations = kMigrations;
    auto database = db::Database::open(path, o);
    if (!database) return tl::unexpected(database.error());
    return LedgerDb(std::move(*database));
}

}  // namespace fabgate::ledger

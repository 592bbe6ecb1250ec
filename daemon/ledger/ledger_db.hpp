#pragma once
// The ledger database: one SQLite file (schema: docs/ledger-schema.md) used by the fabledger
// daemon (ingest, machine state, access lists) and by fabctl and fabweb (administration,
// reports, billing) from other processes at the same time: WAL, BEGIN IMMEDIATE, busy timeout.
//
// LedgerDb opens the file, runs the migrations and hands out its parts, each over the same
// connection: the members, badges, machines and rights stores, the tariff book, session ingest,
// access-list versions, reports, billing, the audit log, members' data and the console's accounts.
// Every change made on behalf of a person writes an audit_log row in the same transaction; the
// caller names the actor ("fabctl:alice"). Times are UTC milliseconds (UnixMs) given by the caller,
// so tests control them.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "ledger/access_lists.hpp"
#include "ledger/audit_log.hpp"
#include "ledger/badge_store.hpp"
#include "ledger/billing.hpp"
#include "ledger/machine_store.hpp"
#include "ledger/manager_accounts.hpp"
#include "ledger/member_privacy.hpp"
#include "ledger/member_store.hpp"
#include "ledger/reports.hpp"
#include "ledger/right_store.hpp"
#include "ledger/session_ingest.hpp"
#include "ledger/tariff_book.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// PRAGMA application_id of a ledger database: "FBLG". A gate journal is never opened as a
// ledger, nor the reverse.
inline constexpr std::int32_t kLedgerApplicationId = 0x46424C47;
inline constexpr int kLedgerSchemaVersion = 1;
// Mode of a ledger file the ledger creates: the ledger's user and the fabgate-managers group.
inline constexpr unsigned kLedgerFileMode = 0660;

struct OpenOptions {
    bool create = true;
    bool verify_integrity = false;  // PRAGMA quick_check: the daemon pays it at start
    db::Durability durability = db::Durability::Full;
    int busy_timeout_ms = 5000;
};

class LedgerDb {
  public:
    // Refuses (Error naming the path) a file that is not SQLite, is corrupt, belongs to
    // another program or has a newer schema; such a file is never modified.
    static Result<LedgerDb> open(const std::string& path, const OpenOptions& options = {});

    LedgerDb(LedgerDb&&) noexcept;
    LedgerDb& operator=(LedgerDb&&) noexcept;
    ~LedgerDb();

    MemberStore& members();
    BadgeStore& badges();
    MachineStore& machines();
    RightStore& rights();
    TariffBook& tariffs();
    SessionIngest& ingest();
    AccessListVersions& access_lists();
    Reports& reports();
    Billing& billing();
    AuditLog& audit();
    MemberPrivacy& privacy();
    ManagerAccounts& managers();

    const std::string& path() const;
    int schema_version() const;
    // Changes when another connection (fabctl) commits: the daemon polls it.
    Result<std::int64_t> data_version();
    void set_busy_timeout(int ms);
    // PRAGMA quick_check, which opening skips unless asked (it reads the whole file): what
    // it found wrong, empty when the file is sound.
    Result<std::vector<std::string>> integrity_problems();
    // The connection itself, for tests that write around the ledger's API.
    db::Database& database();

  private:
    struct Parts;  // the connection and the parts over it, at one address
    explicit LedgerDb(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
};

}  // namespace fabgate::ledger

#include "ledger/ledger_db.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ledger/db_util.hpp"
#include "ledger/schema.hpp"

namespace fabgate::ledger {

// The parts keep references to the connection and to each other: they live together at one
// heap address, so moving a LedgerDb moves only the pointer.
struct LedgerDb::Parts {
    explicit Parts(db::Database opened) : db(std::move(opened)) {}
    db::Database db;  // first: destroyed last, after the statements the parts hold
    MemberStore members{db};
    BadgeStore badges{db, members};
    MachineStore machines{db};
    RightStore rights{db, members};
    TariffBook tariffs{db};
    SessionIngest ingest{db, machines, tariffs};
    AccessListVersions access_lists{db};
    Reports reports{db};
    Billing billing{db};
    AuditLog audit{db};
    MemberPrivacy privacy{db, members};
    ManagerAccounts managers{db};
};

LedgerDb::LedgerDb(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
LedgerDb::LedgerDb(LedgerDb&&) noexcept = default;
LedgerDb& LedgerDb::operator=(LedgerDb&&) noexcept = default;
LedgerDb::~LedgerDb() = default;

namespace {

// A new ledger is created 0660, whatever the umask: members' personal data is for the ledger's
// user and the fabgate-managers group (docs/deploy.md), never for every local user. SQLite
// gives the -wal and -shm files the database file's mode.
Status create_private_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kLedgerFileMode);
    if (fd < 0) {
        if (errno == EEXIST) return {};
        return fail(path, std::string("cannot be created: ") + std::strerror(errno));
    }
    int rc = ::fchmod(fd, kLedgerFileMode);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return fail(path, std::string("cannot be made private: ") + std::strerror(saved));
    return {};
}

}  // namespace

Result<LedgerDb> LedgerDb::open(const std::string& path, const OpenOptions& options) {
    if (options.create && path != ":memory:") TRY(create_private_file(path));
    db::OpenOptions o;
    o.create = options.create;
    o.durability = options.durability;
    o.busy_timeout_ms = options.busy_timeout_ms;
    o.verify_integrity = options.verify_integrity;
    o.application_id = kLedgerApplicationId;
    o.application_name = "FabGate ledger";
    o.migrations = kMigrations;
    TRY_ASSIGN(auto database, db::Database::open(path, o));
    // Rows written before the audit chain existed are sealed once, as they are.
    TRY(detail::seal_audit_log(database));
    return LedgerDb(std::make_unique<Parts>(std::move(database)));
}

MemberStore& LedgerDb::members() {
    return parts_->members;
}
BadgeStore& LedgerDb::badges() {
    return parts_->badges;
}
MachineStore& LedgerDb::machines() {
    return parts_->machines;
}
RightStore& LedgerDb::rights() {
    return parts_->rights;
}
TariffBook& LedgerDb::tariffs() {
    return parts_->tariffs;
}
SessionIngest& LedgerDb::ingest() {
    return parts_->ingest;
}
AccessListVersions& LedgerDb::access_lists() {
    return parts_->access_lists;
}
Reports& LedgerDb::reports() {
    return parts_->reports;
}
Billing& LedgerDb::billing() {
    return parts_->billing;
}
AuditLog& LedgerDb::audit() {
    return parts_->audit;
}
MemberPrivacy& LedgerDb::privacy() {
    return parts_->privacy;
}
ManagerAccounts& LedgerDb::managers() {
    return parts_->managers;
}

const std::string& LedgerDb::path() const {
    return parts_->db.path();
}
int LedgerDb::schema_version() const {
    return parts_->db.schema_version();
}
Result<std::int64_t> LedgerDb::data_version() {
    return parts_->db.data_version();
}
void LedgerDb::set_busy_timeout(int ms) {
    parts_->db.set_busy_timeout(ms);
}
db::Database& LedgerDb::database() {
    return parts_->db;
}

Result<std::vector<std::string>> LedgerDb::integrity_problems() {
    std::vector<std::string> problems;
    TRY(detail::for_each_row(parts_->db, "PRAGMA quick_check", detail::no_parameters,
                             [&](const db::Statement& st) {
                                 if (st.text(0) != "ok") problems.push_back(st.text(0));
                             }));
    return problems;
}

}  // namespace fabgate::ledger

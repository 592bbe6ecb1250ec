#pragma once
// The audit log: append-only (triggers in schema.hpp), hash-chained, naming the Unix user.
// The roster, tariff book, billing and privacy parts write their rows themselves, inside
// their own transactions; this is reading the log, checking the chain, and recording what
// the ledger does not do itself.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

struct AuditRow {
    std::int64_t id = 0;
    UnixMs at = 0;
    std::string actor;
    std::string action;
    std::string subject;
    std::string before_json;  // "" when created
    std::string after_json;   // "" when deleted
    std::string os_user;      // the Unix user whose process wrote it ("root (SUDO_USER=ann)")
    std::optional<std::int64_t> redacted_by;  // the member.forget row that pseudonymised it
};

// What `fabctl check` says about the audit log's hash chain.
struct AuditChainCheck {
    std::int64_t rows = 0;
    std::int64_t redacted = 0;                 // rows pseudonymised by members forget
    std::optional<std::int64_t> first_broken;  // id of the first row that does not verify
    std::string problem;                       // why, when first_broken is set
};

class AuditLog {
  public:
    explicit AuditLog(db::Database& db) : db_(db) {}
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    // Newest first.
    Result<std::vector<AuditRow>> rows(int limit = 100);
    // An audit row for an action the ledger does not perform itself (a command sent to a
    // gate, the reason for a suspension). In its own transaction, or the caller's if open.
    Status record(std::string_view actor, std::string_view action, std::string_view subject,
                  std::string_view before_json, std::string_view after_json, UnixMs now);
    // Walks the audit log in id order: each row's prev_hash is the previous row's row_hash,
    // row_hash covers the previous hash, the id and content_hash, and content_hash matches the
    // row's content unless members forget redacted the row (then the forget row must list it).
    Result<AuditChainCheck> verify_chain();

  private:
    db::Database& db_;
};

}  // namespace fabgate::ledger

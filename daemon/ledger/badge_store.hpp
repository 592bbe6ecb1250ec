#pragma once
// Badges, who holds each, and the badges the gates saw but nobody holds. Every change writes
// an audit_log row in the same transaction, naming the actor ("fabctl:alice").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "ledger/audited_store.hpp"
#include "ledger/member_store.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

struct Badge {
    std::string uid;  // canonical hex (core/uid.hpp); callers may pass any accepted spelling
    std::optional<std::string> member_id;  // null: in the drawer, not assigned
    std::string label;
    std::optional<UnixMs> assigned_at;
};

struct UnknownBadge {
    std::string uid;
    std::string site;
    std::string machine;
    UnixMs first_seen_at = 0;
    UnixMs last_seen_at = 0;
    std::int64_t count = 0;
};

// all() comes from KeyedStore; find(uid) stays private: it needs the canonical uid, which the
// public functions make of any spelling a caller passes.
class BadgeStore : KeyedStore<Badge, std::string> {
  public:
    BadgeStore(db::Database& db, MemberStore& members);

    // Creates the badge if needed; a badge held by another member moves (one holder at a time).
    Status assign(std::string_view uid, std::string_view member_id, std::string_view label,
                  std::string_view actor, UnixMs now);
    Status unassign(std::string_view uid, std::string_view actor, UnixMs now);
    Status remove(std::string_view uid, std::string_view actor, UnixMs now);
    using KeyedStore::all;
    Result<std::vector<Badge>> held_by(std::string_view member_id);
    Result<std::vector<UnknownBadge>> unknown();
    Status clear_unknown(std::string_view uid, std::string_view actor, UnixMs now);

  private:
    MemberStore& members_;
};

}  // namespace fabgate::ledger

#pragma once
// Members' rights on machines and groups: who may use what, in which role, until when. Every
// change writes an audit_log row in the same transaction, naming the actor ("fabctl:alice").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/access.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/tariff.hpp"
#include "ledger/audited_store.hpp"
#include "ledger/member_store.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

struct Right {
    std::string member_id;
    TargetKind target_kind = TargetKind::Machine;
    std::string target;      // a machine id (on any site) or a group name
    Role role = Role::User;  // user, supervisor or maintainer
    std::string granted_by;
    UnixMs granted_at = 0;
    std::optional<UnixMs> valid_until;  // training valid until (exclusive)
};

// all() comes from KeyedStore; find(member_id, kind, target) stays private.
class RightStore : KeyedStore<Right, std::string_view, TargetKind, std::string_view> {
  public:
    RightStore(db::Database& db, MemberStore& members);

    // Insert or replace the member's right on that target.
    Status grant(const Right& r, std::string_view actor, UnixMs now);
    Status revoke(std::string_view member_id, TargetKind kind, std::string_view target,
                  std::string_view actor, UnixMs now);
    using KeyedStore::all;
    Result<std::vector<Right>> held_by(std::string_view member_id);

  private:
    MemberStore& members_;
};

}  // namespace fabgate::ledger

#pragma once
// The lab's members. Every change writes an audit_log row in the same transaction, naming the
// actor ("fabctl:alice").
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

enum class MemberStatus { Active, Suspended };
EnumNameTable<MemberStatus> enum_names(MemberStatus);  // active, suspended
using fabgate::to_string;
inline constexpr auto member_status_from_string = from_string<MemberStatus>;

struct Member {
    std::string id;
    std::string name;
    std::string contact;
    std::string member_class = "standard";  // classes are data: tariffs name them
    MemberStatus status = MemberStatus::Active;
    std::optional<UnixMs> member_until;  // membership valid until (exclusive); null: open-ended
    UnixMs created_at = 0;               // set by add
};

// find(id) and all() come from KeyedStore.
class MemberStore : public KeyedStore<Member, std::string_view> {
  public:
    explicit MemberStore(db::Database& db);

    Status add(const Member& m, std::string_view actor, UnixMs now);
    Status update(const Member& m, std::string_view actor, UnixMs now);  // all but created_at
    Status set_status(std::string_view id, MemberStatus status, std::string_view actor, UnixMs now);
    // Deletes the member, unassigns their badges and removes their rights. Sessions keep the id.
    Status remove(std::string_view id, std::string_view actor, UnixMs now);

  private:
    Status record_class_change(std::string_view member, std::string_view cls, UnixMs from);
};

}  // namespace fabgate::ledger

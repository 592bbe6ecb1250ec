#pragma once
// Members' data (docs/privacy.md): export everything held about one member, pseudonymise
// them (forget), and purge what is kept only for a while.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "ledger/member_store.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// What a retention purge removed.
struct PurgeCounts {
    std::int64_t unknown_badges = 0;  // sightings last seen before the cut-off
    std::int64_t ingest_errors = 0;   // refused payloads received before the cut-off
    std::int64_t conflicts = 0;       // conflicting duplicates received before the cut-off
};

class MemberPrivacy {
  public:
    MemberPrivacy(db::Database& db, MemberStore& members) : db_(db), members_(members) {}
    MemberPrivacy(const MemberPrivacy&) = delete;
    MemberPrivacy& operator=(const MemberPrivacy&) = delete;

    // Everything held about one member, as one JSON document.
    Result<std::string> export_member(std::string_view id);
    // Pseudonymises the member everywhere (members row, class history, badges, rights,
    // sessions, sessions their badge took over, machine state, unknown badges, stored payloads,
    // audit rows); amounts and batches are unchanged.
    // Returns the pseudonym that replaces the id. Audited as member.forget.
    Result<std::string> forget_member(std::string_view id, std::string_view actor, UnixMs now);
    // Deletes unknown-badge sightings, refused payloads and conflicts older than `cut_off`.
    // Audited as privacy.purge when it removed anything.
    Result<PurgeCounts> purge_expired(UnixMs cut_off, std::string_view actor, UnixMs now);

  private:
    db::Database& db_;
    MemberStore& members_;
};

}  // namespace fabgate::ledger

#pragma once
// The access lists the ledger publishes: built from the roster in one read snapshot, and the
// versions published so far (a machine's version never goes down).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/messages.hpp"
#include "core/result.hpp"
#include "ledger/machine_store.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// Hash of an access list's content, ignoring version and generated_at: "did it change?".
std::string acl_content_hash(const AccessList& list);

struct AclVersionRow {
    std::string site;
    std::string machine;
    std::int64_t version = 0;
    std::string content_hash;
    UnixMs published_at = 0;  // also the snapshot's generated_at
    std::int64_t entries = 0;
};

class AccessListVersions {
  public:
    explicit AccessListVersions(db::Database& db) : db_(db) {}
    AccessListVersions(const AccessListVersions&) = delete;
    AccessListVersions& operator=(const AccessListVersions&) = delete;

    // Builds the machine's list from members, badges and rights (core/acl_builder.hpp);
    // version and generated_at are left for the caller.
    Result<AccessList> build(const Machine& m, UnixMs now);
    // The same for many machines from one read of members, badges and rights (one snapshot).
    Result<std::vector<AccessList>> build_all(std::span<const Machine> machines, UnixMs now);
    Result<std::optional<AclVersionRow>> latest(std::string_view site, std::string_view machine);
    // Machines that were sent a list but are no longer registered, as (site, id).
    Result<std::vector<std::pair<std::string, std::string>>> removed_machines();
    // Refuses a version that is not higher than the latest: versions never go down. A row with
    // the latest's content (a reissue) replaces it, so unchanged lists add no rows.
    Status record(const AclVersionRow& row);

  private:
    db::Database& db_;
};

}  // namespace fabgate::ledger

#pragma once
// The gate's local memory, in SQLite: the open session (checkpointed), the outbox of closed
// sessions not yet acknowledged by the ledger, the last access list and the maintenance lock. It is
// what makes a power cut or a week without broker lose nothing.
//
// Every write commits into the page cache only (WAL, synchronous=NORMAL) and never waits for
// the disk: a crash of the daemon loses nothing, a power cut may undo the last commits. The
// gate hands the sync to a JournalSyncer (gate/journal_syncer.hpp) and holds what must not
// happen before a commit is on disk; commits() numbers the commits for that. This connection
// never checkpoints the WAL either (wal_autocheckpoint=0), not even when it closes: the
// syncer's thread does.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "store/sqlite.hpp"

namespace fabgate {

struct OutboxEntry {
    std::int64_t seq = 0;
    std::string id;
    std::string payload;
};

struct CachedAccessList {
    std::int64_t version = 0;
    std::string payload;
};

class Journal {
  public:
    static Result<Journal> open(const std::string& path);

    // Commits written through this connection, in order. The state found at open counts as
    // commit 1: a daemon that crashed may have left commits no sync has covered yet.
    std::uint64_t commits() const { return commits_; }

    Status session_opened(const SessionRecord& open);
    Status checkpoint(const SessionRecord& open);
    // Moves the session to the outbox in one transaction.
    Status session_closed(const SessionRecord& closed);
    // Sessions left open by a crash or power cut, closed at their last checkpoint with reason
    // power_loss and moved to the outbox. Returns them for the log.
    Result<std::vector<SessionRecord>> close_interrupted();

    // Entries after `after_seq`, oldest first.
    Result<std::vector<OutboxEntry>> outbox(std::int64_t after_seq, int limit);
    Result<std::int64_t> outbox_size();
    // The newest outbox entry's seq, 0 for an empty outbox.
    Result<std::int64_t> last_outbox_seq();
    // Returns how many of `ids` were in the outbox.
    Result<int> acknowledge(const std::vector<std::string>& ids);

    Status store_access_list(std::int64_t version, std::string_view payload);
    Result<std::optional<CachedAccessList>> load_access_list();

    // The lock in force (or none). The gate acts on it at once; a lock a power cut undoes
    // before the sync comes back with the ledger's access list, which carries it.
    Status store_lock(const std::optional<MaintenanceLock>& lock);
    // Outer empty: this journal never recorded a lock state (new, or from before locks were
    // kept); then the cached access list's lock applies.
    Result<std::optional<std::optional<MaintenanceLock>>> load_lock();

  private:
    explicit Journal(db::Database db) : db_(std::move(db)) {}
    Status prepare_statements();
    Status counted(Status written);
    Result<std::int64_t> single_integer(std::string_view sql);
    db::Database db_;
    std::uint64_t commits_ = 1;
    db::Statement insert_open_, update_open_, delete_open_, insert_outbox_, delete_outbox_;
};

}  // namespace fabgate

#pragma once
// The gate's local memory, in SQLite: the open session (checkpointed), the outbox of closed
// sessions not yet acknowledged by the ledger, the last access list and the maintenance lock. It is
// what makes a power cut or a week without broker lose nothing.
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

    // Written without waiting for the disk, so the relay is not held back by an fsync
    // (~4 ms here, more on an SD card); make_durable() then syncs it on the next loop turn.
    Status session_opened(const SessionRecord& open);
    Status make_durable(const std::string& id);
    Status checkpoint(const SessionRecord& open);
    // Moves the session to the outbox in one transaction.
    Status session_closed(const SessionRecord& closed);
    // Sessions left open by a crash or power cut, closed at their last checkpoint with reason
    // power_loss and moved to the outbox. Returns them for the log.
    Result<std::vector<SessionRecord>> close_interrupted();

    // Entries after `after_seq`, oldest first.
    Result<std::vector<OutboxEntry>> outbox(std::int64_t after_seq, int limit);
    Result<std::int64_t> outbox_size();
    // Returns how many of `ids` were in the outbox.
    Result<int> acknowledge(const std::vector<std::string>& ids);

    Status store_access_list(std::int64_t version, std::string_view payload);
    Result<std::optional<CachedAccessList>> load_access_list();

    // The lock in force (or none), written durably before the gate acts on it.
    Status store_lock(const std::optional<MaintenanceLock>& lock);
    // Outer empty: this journal never recorded a lock state (new, or from before locks were
    // kept); then the cached access list's lock applies.
    Result<std::optional<std::optional<MaintenanceLock>>> load_lock();

  private:
    explicit Journal(db::Database db) : db_(std::move(db)) {}
    Status prepare_statements();
    db::Database db_;
    db::Statement insert_open_, update_open_, touch_open_, delete_open_, insert_outbox_,
        delete_outbox_;
};

}  // namespace fabgate

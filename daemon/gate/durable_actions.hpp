#pragma once
// The loop's side of journal durability: asks the JournalSyncer to sync each commit, holds
// the actions that must wait until a commit is on disk, and says when the disk is late.
//
// What waits for what (the money guarantee):
// - A closed session is published to the ledger only once its close is on disk. Before that a
//   power cut brings back the open session at its last durable checkpoint and closes it there
//   with power_loss; nothing the ledger saw then disagrees with it.
// - The relay does not wait: it switches on first, and the start is committed to the page
//   cache (which a crash of the daemon keeps) in the same event's handling, just after. So
//   that no more than `deadline` of machine time can ride on a record a power cut could
//   undo, a commit still not on disk `deadline` after it was written reports the journal
//   late, and the gate faults the machine (relay off) until it is. A sync that brings only
//   the older commits does not restart the count for the newer ones.
// - Acks, the access-list cache and the lock do not wait: an ack a power cut undoes means a
//   resend, which the ledger deduplicates; the list and its lock come back from the broker.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "core/clock.hpp"
#include "gate/journal_syncer.hpp"

namespace fabgate {

class DurableActions {
  public:
    using Late = std::function<void(bool late)>;

    // `clock` dates each commit written, for the deadline (monotonic, as the loop's timers).
    static Result<std::unique_ptr<DurableActions>> create(EventLoop& loop, const Clock& clock,
                                                          std::unique_ptr<JournalSyncer> syncer,
                                                          std::chrono::milliseconds deadline,
                                                          Late on_late);
    ~DurableActions();
    DurableActions(const DurableActions&) = delete;
    DurableActions& operator=(const DurableActions&) = delete;

    // Commits through `through` are written: have them synced.
    void written(std::uint64_t through);
    // Runs `action` on the loop once commit `through` is on disk: now if it already is.
    void after_durable(std::uint64_t through, std::function<void()> action);
    // At shutdown: waits for the syncs asked for, then runs what waited for them, since the
    // loop will not turn again to do it. The access-list high-water mark is one: it follows a
    // list's copy onto the disk, and a gate stopped just after a list still keeps its mark.
    void finish();
    std::uint64_t durable() const { return durable_; }
    bool late() const { return late_; }

  private:
    DurableActions(EventLoop& loop, const Clock& clock, std::unique_ptr<JournalSyncer> syncer,
                   std::chrono::milliseconds deadline, Late on_late);
    void on_durable(std::uint64_t through);

    EventLoop& loop_;
    const Clock& clock_;
    std::unique_ptr<JournalSyncer> syncer_;
    std::chrono::milliseconds deadline_;
    Late on_late_;
    EventLoop::TimerId late_timer_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t durable_ = 0;
    // Each written() not yet durable: commits through `through` were written at `at`.
    struct Written {
        std::uint64_t through;
        MonoMs at;
    };
    std::deque<Written> unsynced_;
    bool late_ = false;
    std::multimap<std::uint64_t, std::function<void()>> waiting_;
};

}  // namespace fabgate

#include "gate/durable_actions.hpp"

#include <utility>

namespace fabgate {

Result<std::unique_ptr<DurableActions>> DurableActions::create(
    EventLoop& loop, const Clock& clock, std::unique_ptr<JournalSyncer> syncer,
    std::chrono::milliseconds deadline, Late on_late) {
    std::unique_ptr<DurableActions> made(
        new DurableActions(loop, clock, std::move(syncer), deadline, std::move(on_late)));
    auto* raw = made.get();
    made->late_timer_ = loop.add_timer(deadline, [raw] {
        raw->late_ = true;
        raw->on_late_(true);
    });
    // Without it a disk that never syncs would go unnoticed: refuse instead.
    if (!made->late_timer_) return fail("journal sync", "cannot create the deadline timer");
    loop.disarm(made->late_timer_);
    made->syncer_->on_durable([raw](std::uint64_t through) { raw->on_durable(through); });
    return made;
}

DurableActions::DurableActions(EventLoop& loop, const Clock& clock,
                               std::unique_ptr<JournalSyncer> syncer,
                               std::chrono::milliseconds deadline, Late on_late)
    : loop_(loop),
      clock_(clock),
      syncer_(std::move(syncer)),
      deadline_(deadline),
      on_late_(std::move(on_late)) {}

DurableActions::~DurableActions() {
    syncer_.reset();  // a syncer thread finishes the sync it was asked for
    if (late_timer_) loop_.cancel_timer(late_timer_);
}

void DurableActions::finish() {
    on_durable(syncer_->finish());
}

void DurableActions::written(std::uint64_t through) {
    if (through <= written_) return;
    bool was_synced = written_ <= durable_;
    written_ = through;
    unsynced_.push_back({through, clock_.monotonic()});
    if (was_synced) loop_.arm(late_timer_, deadline_);
    syncer_->sync_through(through);
}

void DurableActions::after_durable(std::uint64_t through, std::function<void()> action) {
    if (through <= durable_) {
        action();
        return;
    }
    waiting_.emplace(through, std::move(action));
}

void DurableActions::on_durable(std::uint64_t through) {
    if (through <= durable_) return;
    durable_ = through;
    while (!unsynced_.empty() && unsynced_.front().through <= durable_) unsynced_.pop_front();
    if (durable_ >= written_) {
        loop_.disarm(late_timer_);
    } else if (!late_ && !unsynced_.empty()) {
        // Progress: the deadline still runs from when the oldest commit not on disk was
        // written (due now if that is already past), not from this sync.
        auto waited = std::chrono::milliseconds(clock_.monotonic() - unsynced_.front().at);
        loop_.arm(late_timer_, deadline_ - waited);
    }
    if (late_ && durable_ >= written_) {
        late_ = false;
        on_late_(false);
    }
    while (!waiting_.empty() && waiting_.begin()->first <= durable_) {
        auto action = std::move(waiting_.begin()->second);
        waiting_.erase(waiting_.begin());
        action();
    }
}

}  // namespace fabgate

// GateApp's side of the journal: opening and recovering it at start (or later, when the disk
// lets it), and recording each session.
#include <utility>

#include "gate/gate_app.hpp"
#include "gate/wal_sync_thread.hpp"
#include "sys/log.hpp"
#include "sys/uid_tag.hpp"

namespace fabgate {
namespace {

std::string describe_session(const SessionRecord& s) {
    std::string text = "session " + s.id + " (" + (s.member.empty() ? s.uid : s.member) +
                       "): " + std::string(to_string(s.end_reason)) + ", powered " +
                       log::whole_seconds(s.powered_ms);
    if (s.active_ms) text += ", active " + log::whole_seconds(*s.active_ms);
    if (!s.ended_by.empty()) text += ", by " + s.ended_by;
    return text;
}

}  // namespace

Status GateApp::open_journal() {
    TRY_ASSIGN(auto journal, Journal::open(config_.journal));
    TRY_ASSIGN(auto interrupted, journal.close_interrupted());
    TRY_ASSIGN(auto cached, journal.load_access_list());
    TRY_ASSIGN(auto journalled_lock, journal.load_lock());
    TRY_ASSIGN(auto last_seq, journal.last_outbox_seq());
    TRY(start_syncer());
    journal_.emplace(std::move(journal));
    outbox_.attach(*journal_);
    acl_->attach(*journal_);
    // What is in the outbox now may be a crashed daemon's commits no sync covered yet.
    journal_written();
    publish_when_durable(last_seq);
    for (const auto& s : interrupted)
        log::warning("gate", "closed at its last checkpoint after a crash or power cut: " +
                                 describe_session(s));
    const auto* in_force = machine_->access_list();
    // Before anything can be decided: a restart never unlocks a machine. A list that arrived
    // from the broker while the journal was down is newer than the journal's lock and stays.
    if (journalled_lock && !in_force) {
        acl_->lock_came_from_journal();
        machine_->restore_lock(*journalled_lock);
        if (*journalled_lock)
            log::notice("gate", "locked for maintenance, as before the restart: " +
                                    machine_->status().detail);
    } else if (in_force) {
        lock_changed(machine_->lock());  // what the gate decided while it could not write
    }
    if (!cached) {
        if (!in_force)
            log::notice("gate",
                        "no access list yet: every badge is refused until one arrives "
                        "from the broker");
        return {};
    }
    // A list that arrived from the broker while the journal was down may be newer.
    if (in_force && in_force->version >= cached->version) return {};
    acl_->apply_cached(cached->payload);
    return {};
}

Status GateApp::start_syncer() {
    if (durable_) return {};
    std::unique_ptr<JournalSyncer> syncer;
    if (tuning_.syncer) {
        TRY_ASSIGN(syncer, tuning_.syncer(loop_, config_.journal));
    } else {
        TRY_ASSIGN(syncer, WalSyncThread::start(loop_, config_.journal));
    }
    auto late = [this](bool is_late) {
        device_fault(kJournalDiskDevice, is_late,
                     "a journal commit is not on disk after " +
                         std::to_string(tuning_.sync_deadline.count()) + " ms");
    };
    TRY_ASSIGN(durable_, DurableActions::create(loop_, clock_, std::move(syncer),
                                                tuning_.sync_deadline, std::move(late)));
    return {};
}

void GateApp::journal_written() {
    if (journal_ && durable_) durable_->written(journal_->commits());
}

void GateApp::publish_when_durable(std::int64_t seq) {
    if (!journal_ || !durable_) return;
    durable_->after_durable(journal_->commits(), [this, seq] { outbox_.publishable_through(seq); });
}

void GateApp::schedule_journal_retry() {
    auto retry = [this] {
        if (auto opened = open_journal(); !opened) {
            log::debug("journal", "still unavailable: " + opened.error().message());
            loop_.arm(journal_retry_timer_, tuning_.journal_retry);
            return;
        }
        loop_.disarm(journal_retry_timer_);
        device_fault(kJournalDevice, false, "");
        if (!unjournaled_.empty()) retry_unjournaled();
        outbox_.pump();
    };
    if (!journal_retry_timer_) journal_retry_timer_ = loop_.add_timer(tuning_.journal_retry, retry);
    if (!journal_retry_timer_)
        log::error("journal",
                   "cannot create the retry timer: the gate stays in fault until "
                   "restarted");
}

Status GateApp::session_started(const SessionRecord& open) {
    // The machine is in fault while the journal is down, so this is a second line of defence.
    if (!journal_) return fail("journal", "not open");
    write_session_start();  // a takeover: the session it ends was started earlier
    // The relay switches on before the start is written: a write() into the page cache can
    // still wait for the disk (ext4 block allocation racing the sync thread's writeback, dirty
    // page throttling), and the member should not. GateApp::after_event() writes it once the
    // machine has switched the relay, in the same handler, before the loop takes another
    // event; a checkpoint or close of the session writes it first too.
    unwritten_start_ = open;
    log::info("session", open.id + " started for " + open.member + " (" + uid_tag(open.uid) + ")");
    return {};
}

void GateApp::write_session_start() {
    if (!unwritten_start_ || !journal_) return;
    auto open = std::move(*unwritten_start_);
    unwritten_start_.reset();
    if (auto stored = journal_->session_opened(open); !stored) {
        // The relay is already on for a session a crash would lose: end it now, with reason
        // fault. Its close then goes where every close goes, to the outbox or, if the journal
        // refuses that too, to memory, retried; the member pays for the moment it ran.
        log::error("journal",
                   "cannot record session " + open.id + ", relay off: " + stored.error().message());
        start_write_faulted_ = true;
        device_fault(kJournalDevice, true, "cannot record a new session");
        if (unjournaled_.empty()) {
            start_write_faulted_ = false;  // the close went in: the journal takes writes again
            device_fault(kJournalDevice, false, "");
        }
        return;
    }
    // The relay did not wait for the sync either: it runs off the loop, and a sync later than
    // GateTuning::sync_deadline faults the machine (gate/durable_actions.hpp).
    journal_written();
}

void GateApp::session_checkpoint(const SessionRecord& open) {
    write_session_start();
    if (!journal_) return;
    if (auto s = journal_->checkpoint(open); !s)
        log::warning("journal", "checkpoint failed: " + s.error().message());
    journal_written();
}

void GateApp::session_ended(const SessionRecord& closed) {
    log::info("session", describe_session(closed));
    write_session_start();
    auto stored = journal_ ? journal_->session_closed(closed) : fail("journal", "not open");
    if (!stored) {
        log::error("journal", "cannot move session " + closed.id + " to the outbox (" +
                                  stored.error().message() +
                                  "); keeping it in memory and retrying");
        unjournaled_.push_back(closed);
        schedule_unjournaled_retry();
        return;
    }
    journal_written();
    publish_when_durable(journal_->last_outbox_seq().value_or(0));
}

void GateApp::schedule_unjournaled_retry() {
    if (!loop_.add_oneshot(std::chrono::seconds(10), [this] { retry_unjournaled(); }))
        log::error("journal",
                   "cannot create the retry timer: " + std::to_string(unjournaled_.size()) +
                       " closed session(s) stay in memory until the next close");
}

void GateApp::retry_unjournaled() {
    while (!unjournaled_.empty()) {
        if (!journal_) {
            schedule_unjournaled_retry();
            return;
        }
        if (auto s = journal_->session_closed(unjournaled_.front()); !s) {
            schedule_unjournaled_retry();
            return;
        }
        unjournaled_.erase(unjournaled_.begin());
    }
    if (start_write_faulted_) {
        start_write_faulted_ = false;
        device_fault(kJournalDevice, false, "");
    }
    journal_written();
    if (journal_) publish_when_durable(journal_->last_outbox_seq().value_or(0));
}

}  // namespace fabgate

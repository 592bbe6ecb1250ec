#include "gate/session_outbox.hpp"

#include <algorithm>
#include <utility>

#include "gate/ack_intake.hpp"
#include "sys/log.hpp"

namespace fabgate {

SessionOutbox::SessionOutbox(EventLoop& loop, const Clock& clock, const GateConfig& config,
                             SessionLink& link, Tuning tuning,
                             std::function<void()> journal_written)
    : loop_(loop),
      clock_(clock),
      config_(config),
      link_(link),
      tuning_(tuning),
      journal_written_(std::move(journal_written)) {}

SessionOutbox::~SessionOutbox() {
    if (resend_timer_) loop_.cancel_timer(resend_timer_);
}

Status SessionOutbox::start() {
    resend_timer_ = loop_.add_timer(std::chrono::hours(1), [this] { resend_if_unacknowledged(); });
    if (!resend_timer_)
        return fail("event loop", "cannot create the resend timer (out of file descriptors?)");
    loop_.disarm(resend_timer_);
    return {};
}

void SessionOutbox::attach(Journal& journal) {
    journal_ = &journal;
}

void SessionOutbox::connected() {
    sent_seq_ = 0;
    inflight_ = 0;
    pump();
}

void SessionOutbox::disconnected() {
    sent_seq_ = 0;
    inflight_ = 0;
}

void SessionOutbox::publishable_through(std::int64_t seq) {
    publishable_seq_ = std::max(publishable_seq_, seq);
    pump();
}

void SessionOutbox::pump() {
    if (!link_.link_up() || !journal_) return;
    int room = tuning_.window - inflight_;
    if (room <= 0) return;
    if (sent_seq_ >= publishable_seq_) return;
    auto entries = journal_->outbox(sent_seq_, room);
    if (!entries) {
        log::error("journal", "cannot read the outbox: " + entries.error().message());
        return;
    }
    bool was_idle = inflight_ == 0;
    for (const auto& e : *entries) {
        if (e.seq > publishable_seq_) break;  // not on disk yet: a power cut could undo it
        if (!link_.publish_session(e.payload)) break;
        sent_seq_ = e.seq;
        ++inflight_;
    }
    if (was_idle && inflight_ > 0) {
        last_progress_ = clock_.monotonic();
        if (resend_timer_) loop_.arm(resend_timer_, tuning_.resend_after);
    }
}

void SessionOutbox::resend_if_unacknowledged() {
    if (inflight_ == 0) return;
    auto waited = clock_.monotonic() - last_progress_;
    if (waited >= tuning_.resend_after.count()) {
        log::notice("gate",
                    "no ack for " + log::whole_seconds(waited) + "; publishing the outbox again");
        sent_seq_ = 0;
        inflight_ = 0;
        pump();
    } else if (resend_timer_) {
        loop_.arm(resend_timer_, std::chrono::milliseconds(tuning_.resend_after.count() - waited));
    }
}

void SessionOutbox::handle_ack(std::string_view payload) {
    auto ack = read_ack(payload, config_);
    if (!ack) {
        // A forged ack would lose a session's billing: it deletes nothing, the sessions are
        // resent, and the count tells how often someone tried.
        ++refused_acks_;
        log::warning("ack",
                     "refused (" + std::to_string(refused_acks_) +
                         " so far), the sessions stay in the outbox: " + ack.error().message());
        return;
    }
    if (!journal_) return;  // unacknowledged sessions stay in the outbox and are resent
    auto removed = journal_->acknowledge(ack->ids);
    if (!removed) {
        log::error("journal", "cannot remove acknowledged sessions: " + removed.error().message());
        return;
    }
    journal_written_();
    inflight_ = std::max(0, inflight_ - *removed);
    last_progress_ = clock_.monotonic();
    log::debug("mqtt", std::to_string(*removed) + " session(s) acknowledged by the ledger");
    if (inflight_ == 0 && resend_timer_) loop_.disarm(resend_timer_);
    pump();
}

}  // namespace fabgate

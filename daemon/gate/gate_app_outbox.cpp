// The outbox pump: closed sessions go to the ledger in journal order, at most outbox_window
// unacknowledged at a time, only once the journal has them on disk; the ledger's signed acks
// remove them, and a silence of resend_after publishes the unacknowledged ones again.
#include "core/topics.hpp"
#include "gate/ack_intake.hpp"
#include "gate/gate_app.hpp"
#include "sys/log.hpp"

namespace fabgate {
namespace {

std::string seconds(std::int64_t ms) {
    return std::to_string(ms / 1000) + " s";
}

}  // namespace

void GateApp::on_connected() {
    sent_seq_ = 0;
    inflight_ = 0;
    publish_status();
    pump_outbox();
}

void GateApp::pump_outbox() {
    if (!mqtt_ || !mqtt_->connected() || !journal_) return;
    int room = tuning_.outbox_window - inflight_;
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
        if (!mqtt_->publish(topic(topics::kSessions.leaf), e.payload, topics::kSessions.qos,
                            topics::kSessions.retain))
            break;
        sent_seq_ = e.seq;
        ++inflight_;
    }
    if (was_idle && inflight_ > 0) {
        last_progress_ = clock_.monotonic();
        loop_.arm(resend_timer_, tuning_.resend_after);
    }
}

void GateApp::resend_if_unacknowledged() {
    if (inflight_ == 0) return;
    auto waited = clock_.monotonic() - last_progress_;
    if (waited >= tuning_.resend_after.count()) {
        log::notice("gate", "no ack for " + seconds(waited) + "; publishing the outbox again");
        sent_seq_ = 0;
        inflight_ = 0;
        pump_outbox();
    } else {
        loop_.arm(resend_timer_, std::chrono::milliseconds(tuning_.resend_after.count() - waited));
    }
}

void GateApp::handle_ack(std::string_view payload) {
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
    journal_written();
    inflight_ = std::max(0, inflight_ - *removed);
    last_progress_ = clock_.monotonic();
    log::debug("mqtt", std::to_string(*removed) + " session(s) acknowledged by the ledger");
    if (inflight_ == 0) loop_.disarm(resend_timer_);
    pump_outbox();
}

}  // namespace fabgate

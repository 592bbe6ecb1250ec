#pragma once
// The outbox pump: closed sessions go to the ledger in journal order, at most `window`
// unacknowledged at a time, only once the journal has them on disk; the ledger's signed acks
// remove them, and a silence of `resend_after` publishes the unacknowledged ones again.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/clock.hpp"
#include "core/gate_config.hpp"
#include "gate/journal.hpp"
#include "loop/event_loop.hpp"

namespace fabgate {

// The broker as the outbox sees it.
class SessionLink {
  public:
    virtual ~SessionLink() = default;
    virtual bool link_up() const = 0;
    // False when the broker did not take it: it stays unsent and goes out on a later pump.
    virtual bool publish_session(std::string_view payload) = 0;
};

class SessionOutbox {
  public:
    struct Tuning {
        int window = 500;
        std::chrono::milliseconds resend_after{60'000};
    };

    // `config` is read at each ack (its keys change on reload); `journal_written` is told of
    // each removal so the sync that makes it durable is asked for.
    SessionOutbox(EventLoop& loop, const Clock& clock, const GateConfig& config, SessionLink& link,
                  Tuning tuning, std::function<void()> journal_written);
    ~SessionOutbox();
    SessionOutbox(const SessionOutbox&) = delete;
    SessionOutbox& operator=(const SessionOutbox&) = delete;

    // Creates the resend timer; without it resends would silently never happen.
    Status start();
    // The journal, once it is open: nothing is sent before.
    void attach(Journal& journal);

    // A new connection: what was in flight on the last one is published again.
    void connected();
    void disconnected();
    // Entries up to `seq` are on disk and may go to the ledger.
    void publishable_through(std::int64_t seq);
    void pump();
    // The resend timer's action: after resend_after without an ack, everything unacknowledged
    // is published again.
    void resend_if_unacknowledged();
    // A signed ack removes the sessions it names; anything else removes nothing.
    void handle_ack(std::string_view payload);

    // Acks that were not validly signed by the ledger for this gate, since start.
    std::uint64_t refused_acks() const { return refused_acks_; }
    int in_flight() const { return inflight_; }

  private:
    EventLoop& loop_;
    const Clock& clock_;
    const GateConfig& config_;
    SessionLink& link_;
    Tuning tuning_;
    std::function<void()> journal_written_;
    Journal* journal_ = nullptr;

    EventLoop::TimerId resend_timer_ = 0;
    std::int64_t publishable_seq_ = 0;
    std::int64_t sent_seq_ = 0;
    int inflight_ = 0;
    MonoMs last_progress_ = 0;
    std::uint64_t refused_acks_ = 0;
};

}  // namespace fabgate

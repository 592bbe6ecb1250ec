#pragma once
// fabledger: takes the gates' sessions off the broker and keeps each exactly once, tracks
// machine state, and publishes every machine's access list.
//
// Delivery: messages are collected in memory and committed in one transaction per batch
// (batch_max_messages or batch_max_ms, whichever first); acks go out only after the commit.
// A crash loses at most an uncommitted batch, which the gates resend because it was never
// acked. The MQTT session is persistent (clean_session=false, fixed client id), so the broker
// queues QoS 1 sessions while the ledger is down.
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "ledger/ledger_config.hpp"
#include "ledger/ledger_db.hpp"
#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"

namespace fabgate::ledger {

// Signs exactly `bytes` (an access list's or an ack's body) with the ledger's Ed25519 key;
// returns the key id and hex signature, or empty strings when no signing key is configured.
struct SignedBytes {
    std::string key_id;
    std::string signature;
};
using AclSigner = std::function<SignedBytes(std::string_view bytes)>;

// How long a gate may go on deciding from a list without hearing from the ledger: lists carry
// valid_until = generated_at + this. They are reissued far sooner, every acl_reissue_s.
inline constexpr std::int64_t kAclValidityMs = 7LL * 24 * 3600 * 1000;

struct LedgerCounters {
    std::uint64_t messages = 0;
    IngestCounts sessions;
    std::uint64_t acked_ids = 0;
    std::uint64_t ack_publish_failures = 0;
    std::uint64_t batches = 0;
    std::uint64_t commit_failures = 0;
    std::uint64_t bad_state_or_event = 0;
    std::uint64_t acl_published = 0;
    // Messages not taken (nor acked) because too many waited for the database already.
    std::uint64_t refused_while_full = 0;
};

class LedgerApp {
  public:
    LedgerApp(EventLoop& loop, const Clock& clock, LedgerConfig config, AclSigner signer = {});
    ~LedgerApp();
    LedgerApp(const LedgerApp&) = delete;
    LedgerApp& operator=(const LedgerApp&) = delete;

    // Opens the database (refusing a corrupt or foreign one) and starts connecting.
    Status start();
    // SIGTERM/SIGINT: commits what is pending, sends its acks, and stops the loop.
    void shutdown();
    // After the loop stopped: lets queued acks reach the broker (bounded), then disconnects.
    void drain();
    // SIGHUP with a config that parsed: applies batching, polling, refresh and busy timeout
    // at once, logs each other changed field as waiting for a restart, and republishes every
    // access list. The caller applies log_level.
    void reload(const LedgerConfig& fresh);

    const LedgerCounters& counters() const { return counters_; }

  private:
    void on_message(std::string_view topic, std::string_view payload);
    void flush();
    void warn_if_unsigned_version(const StateUpdate& st);
    void send_acks(const IngestBatch& batch, const IngestSummary& summary);
    void poll_database();
    void refresh_access_lists(bool republish);
    void purge_expired();
    // false: some list could not be built or recorded (database busy): retried on next poll.
    bool rebuild_and_publish(bool republish);
    bool publish_list(const AccessList& list);
    bool arm_acl_timers();

    EventLoop& loop_;
    const Clock& clock_;
    LedgerConfig config_;
    AclSigner signer_;
    std::optional<LedgerDb> db_;
    std::unique_ptr<MqttLink> link_;
    IngestBatch pending_;
    std::size_t pending_count_ = 0;
    std::size_t pending_bytes_ = 0;     // of the payloads in pending_
    std::uint64_t refused_logged_ = 0;  // refused_while_full when last logged
    EventLoop::TimerId flush_timer_ = 0;
    bool flush_armed_ = false;
    MonoMs retry_at_ = 0;  // after a failed commit, no new attempt before this
    EventLoop::TimerId poll_timer_ = 0;
    EventLoop::TimerId refresh_timer_ = 0;
    EventLoop::TimerId purge_timer_ = 0;
    // PRAGMA data_version as of the start of the last rebuild. Our own commits never change
    // it; any other connection's commit does.
    std::int64_t data_version_ = -1;
    bool refresh_incomplete_ = false;
    // Machines whose current list went out on this connection; cleared on reconnect.
    std::set<std::pair<std::string, std::string>> published_;
    LedgerCounters counters_;
};

}  // namespace fabgate::ledger

#pragma once
// libmosquitto driven by our event loop: its socket is one more fd, its housekeeping one
// more timer. No thread of its own. Reconnects with backoff when the broker goes away.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/broker_config.hpp"
#include "core/result.hpp"
#include "loop/event_loop.hpp"
#include "sys/name_lookup.hpp"

struct mosquitto;
struct mosquitto_message;

namespace fabgate {

struct MqttWill {
    std::string topic;
    std::string payload;
    bool retain = true;
    int qos = 1;
};

// Where the link follows its socket: the event loop itself, unless a test puts in a watcher
// whose watch or modify fails as epoll_ctl can (ENOMEM, or ENOSPC past max_user_watches).
class SocketWatcher {
  public:
    virtual ~SocketWatcher() = default;
    virtual Status watch(int fd, std::uint32_t events, EventLoop::FdHandler handler) = 0;
    virtual Status modify(int fd, std::uint32_t events) = 0;
    virtual void unwatch(int fd) = 0;
};

struct MqttOptions {
    BrokerConfig broker;
    bool clean_session = true;  // false: the broker keeps our subscriptions and queues QoS 1 for us
    std::optional<MqttWill> will;
    std::chrono::milliseconds min_backoff{500};
    std::chrono::milliseconds max_backoff{15'000};
    int max_inflight = 100;  // QoS 1 messages on the wire awaiting PUBACK
    // How the broker's name is looked up (off the loop thread); tests hold a lookup with it.
    BlockingResolver resolver = resolve_with_getaddrinfo;
    // A lookup that has not answered by then is abandoned and retried with the next attempt.
    std::chrono::milliseconds lookup_timeout{30'000};
    // Null: the loop the link runs on. Otherwise it must outlive the link.
    SocketWatcher* socket_watcher = nullptr;
};

class MqttLink {
  public:
    using MessageHandler =
        std::function<void(std::string_view topic, std::string_view payload, bool retained)>;

    MqttLink(EventLoop& loop, MqttOptions options);
    ~MqttLink();
    MqttLink(const MqttLink&) = delete;
    MqttLink& operator=(const MqttLink&) = delete;

    void on_connected(std::function<void()> handler) { on_connected_ = std::move(handler); }
    void on_disconnected(std::function<void()> handler) { on_disconnected_ = std::move(handler); }
    void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
    // Called when the broker acknowledged a QoS 1 publish (PUBACK): the broker has it.
    void on_published(std::function<void(int mid)> handler) { on_published_ = std::move(handler); }

    // Builds the last will afresh before every connection attempt (it replaces
    // MqttOptions::will), so it can say what the gate knew when it last connected.
    void set_will_source(std::function<MqttWill()> source) { will_source_ = std::move(source); }

    // Starts connecting; failures are retried in the background.
    Status start();
    // Disconnects cleanly (no last will) after flushing what can be flushed.
    void stop();

    bool connected() const { return connected_; }
    // Queues a message. Returns the message id. Fails when not connected (QoS 0/1 alike):
    // callers that must not lose data keep it in their own journal until acknowledged.
    Result<int> publish(std::string_view topic, std::string_view payload, int qos, bool retain);
    // Subscriptions are remembered and renewed on every reconnect.
    void subscribe(std::string pattern, int qos);
    // Called when refused_subscriptions() changes: the broker refused a subscription (SUBACK
    // 0x80: its ACL forbids this login to read the topic; nothing will ever arrive there, and
    // nothing else says why), or granted one it had refused.
    void on_refusals_changed(std::function<void()> handler) {
        on_refusals_changed_ = std::move(handler);
    }
    // The patterns the broker refused at the last subscription, until it grants them.
    const std::vector<std::string>& refused_subscriptions() const { return refused_; }
    // Every refusal since start, reconnects included.
    std::uint64_t subscription_refusals() const { return subscription_refusals_; }
    // Drives the socket once when the loop is not running (tests, shutdown flush).
    void pump(std::chrono::milliseconds timeout);
    // Messages libmosquitto still has to write to the socket (it says whether, not how much).
    bool has_unsent() const;
    // Exceptions caught in libmosquitto callbacks (each logged, its event dropped).
    std::uint64_t callback_faults() const { return callback_faults_; }

  private:
    // C callbacks: noexcept, so nothing can unwind through libmosquitto's frames.
    static void handle_connect(mosquitto*, void* self, int rc) noexcept;
    static void handle_disconnect(mosquitto*, void* self, int rc) noexcept;
    static void handle_message(mosquitto*, void* self, const mosquitto_message* msg) noexcept;
    static void handle_publish(mosquitto*, void* self, int mid) noexcept;
    static void handle_subscribe(mosquitto*, void* self, int mid, int qos_count,
                                 const int* granted_qos) noexcept;
    template <typename Body>
    void guarded(const char* callback, Body&& body) noexcept;
    void note_callback_fault(const char* callback, const char* what) noexcept;
    void on_connack(int rc);
    void send_subscribe(const std::string& pattern, int qos);
    void on_suback(int mid, int granted_qos);

    void connect_now();
    void connect_to_next_address();
    void on_lookup(Result<Addresses> answer);
    void schedule_reconnect();
    void apply_will();
    void watch_socket();
    void unwatch_socket();
    void update_write_interest();
    void on_socket(std::uint32_t events);
    void lost(std::string_view reason);

    class LoopWatcher : public SocketWatcher {
      public:
        explicit LoopWatcher(EventLoop& loop) : loop_(loop) {}
        Status watch(int fd, std::uint32_t events, EventLoop::FdHandler handler) override {
            return loop_.watch(fd, events, std::move(handler));
        }
        Status modify(int fd, std::uint32_t events) override { return loop_.modify(fd, events); }
        void unwatch(int fd) override { loop_.unwatch(fd); }

      private:
        EventLoop& loop_;
    };

    EventLoop& loop_;
    MqttOptions options_;
    LoopWatcher loop_watcher_;
    SocketWatcher& watcher_;
    mosquitto* mosq_ = nullptr;
    int watched_fd_ = -1;
    bool want_write_ = false;
    bool connected_ = false;
    bool stopping_ = false;
    std::uint64_t callback_faults_ = 0;
    std::chrono::milliseconds backoff_;
    EventLoop::TimerId reconnect_timer_ = 0;
    EventLoop::TimerId misc_timer_ = 0;
    NameLookup lookup_;
    EventLoop::TimerId lookup_deadline_ = 0;
    Addresses addresses_;  // the broker's, from the last lookup; tried in order
    std::size_t next_address_ = 0;
    std::vector<std::pair<std::string, int>> subscriptions_;
    std::map<int, std::string> awaiting_suback_;  // message id -> pattern, this connection's
    std::vector<std::string> refused_;
    std::uint64_t subscription_refusals_ = 0;
    std::function<void()> on_refusals_changed_;
    std::function<void()> on_connected_;
    std::function<void()> on_disconnected_;
    MessageHandler on_message_;
    std::function<void(int)> on_published_;
    std::function<MqttWill()> will_source_;
};

}  // namespace fabgate

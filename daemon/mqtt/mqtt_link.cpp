#include "mqtt/mqtt_link.hpp"

#include <mosquitto.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "core/json_reader.hpp"
#include "mqtt/tls_context.hpp"
#include "sys/log.hpp"

namespace fabgate {
namespace {

void init_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

// The first line. Read as a config file is: a FIFO or a device given by mistake is refused,
// not waited on for ever.
Result<std::string> read_secret(const std::string& path) {
    TRY_ASSIGN(auto text, read_text_file(path));
    return text.substr(0, text.find('\n'));
}

}  // namespace

MqttLink::MqttLink(EventLoop& loop, MqttOptions options)
    : loop_(loop),
      options_(std::move(options)),
      loop_watcher_(loop),
      watcher_(options_.socket_watcher ? *options_.socket_watcher : loop_watcher_),
      backoff_(options_.min_backoff),
      lookup_(loop, options_.resolver) {
    init_library_once();
    mosq_ = mosquitto_new(
        options_.broker.client_id.empty() ? nullptr : options_.broker.client_id.c_str(),
        options_.clean_session, this);
    if (!mosq_)
        throw std::runtime_error("mosquitto_new failed (out of memory or invalid client id)");
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    // Nagle adds ~40 ms tails to small publishes; a badge-to-broker path wants them gone.
    mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_max_inflight_messages_set(mosq_, static_cast<unsigned>(options_.max_inflight));
    mosquitto_connect_callback_set(mosq_, &MqttLink::handle_connect);
    mosquitto_disconnect_callback_set(mosq_, &MqttLink::handle_disconnect);
    mosquitto_message_callback_set(mosq_, &MqttLink::handle_message);
    mosquitto_publish_callback_set(mosq_, &MqttLink::handle_publish);
    mosquitto_subscribe_callback_set(mosq_, &MqttLink::handle_subscribe);
}

MqttLink::~MqttLink() {
    stop();
    mosquitto_destroy(mosq_);
}

Status MqttLink::start() {
    const auto& b = options_.broker;
    std::string password = b.password;
    if (!b.password_file.empty()) {
        auto secret = read_secret(b.password_file);
        if (!secret) return fail("broker.password_file", secret.error().message());
        if (secret->empty())
            return fail("broker.password_file", "'" + b.password_file + "' is empty");
        password = std::move(*secret);
    }
    if (!b.username.empty() &&
        mosquitto_username_pw_set(mosq_, b.username.c_str(), password.c_str()) != MOSQ_ERR_SUCCESS)
        return fail("broker.username", "rejected by libmosquitto");
    if (b.tls) {
        // The whole check, name included, is in this context (see tls_context.hpp); with a
        // context of its own and no defaults, libmosquitto adds no check of its own.
        TRY_ASSIGN(auto ctx, make_tls_client_context(*b.tls, b.host));
        // libmosquitto 2.0 applies its own defaults to a caller's context unless told not to.
        int rc = mosquitto_int_option(mosq_, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_opts_set(mosq_, MOSQ_OPT_SSL_CTX, ctx.get());  // takes a reference
        if (rc != MOSQ_ERR_SUCCESS)
            return fail("broker.tls", std::string("libmosquitto refused the TLS context: ") +
                                          mosquitto_strerror(rc));
    }
    // PINGREQ is sent from loop_misc once keepalive passes without traffic; calling it four
    // times per keepalive keeps the broker's 1.5 x keepalive limit well clear.
    auto misc_period = std::chrono::milliseconds(options_.broker.keepalive_s * 250);
    misc_timer_ = loop_.add_timer(
        misc_period,
        [this] {
            // No socket and no reconnect pending happens only when the reconnect timer could
            // not be made: this round retries instead, so the link never stays down for good.
            if (watched_fd_ < 0 && !reconnect_timer_ && !lookup_.pending() && !stopping_)
                connect_now();
            if (mosq_ && watched_fd_ >= 0) {
                int rc = mosquitto_loop_misc(mosq_);
                if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) lost(mosquitto_strerror(rc));
                update_write_interest();
            }
        },
        misc_period);
    if (!misc_timer_) return fail("mqtt", "cannot create the keepalive timer");
    connect_now();
    return {};
}

void MqttLink::connect_now() {
    reconnect_timer_ = 0;
    if (stopping_ || lookup_.pending()) return;
    if (next_address_ < addresses_.size()) {
        connect_to_next_address();
        return;
    }
    const auto& b = options_.broker;
    if (is_numeric_address(b.host)) {
        on_lookup(Addresses{b.host});
        return;
    }
    auto started = lookup_.start(
        b.host, b.port, [this](Result<Addresses> answer) { on_lookup(std::move(answer)); });
    if (!started) {
        log::warning("mqtt", started.error().message() + "; retrying");
        schedule_reconnect();
        return;
    }
    lookup_deadline_ = loop_.add_oneshot(options_.lookup_timeout, [this] {
        lookup_deadline_ = 0;
        if (!lookup_.pending()) return;
        lookup_.cancel();
        log::warning("mqtt", "no answer looking up " + options_.broker.host + " within " +
                                 std::to_string(options_.lookup_timeout.count() / 1000) +
                                 " s; retrying");
        schedule_reconnect();
    });
}

void MqttLink::on_lookup(Result<Addresses> answer) {
    if (lookup_deadline_) loop_.cancel_timer(std::exchange(lookup_deadline_, 0));
    if (stopping_) return;
    if (!answer) {
        log::info("mqtt", answer.error().message() + "; retrying");
        schedule_reconnect();
        return;
    }
    addresses_ = std::move(*answer);
    next_address_ = 0;
    connect_to_next_address();
}

// The broker's name was looked up already (off the loop): libmosquitto gets a numeric address,
// for which its own getaddrinfo call returns at once.
void MqttLink::connect_to_next_address() {
    apply_will();
    const auto& b = options_.broker;
    const std::string& address = addresses_[next_address_++];
    int rc = mosquitto_connect_async(mosq_, address.c_str(), b.port, b.keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS) {
        log::info("mqtt", "cannot reach broker " + b.host + " (" + address + ") port " +
                              std::to_string(b.port) + ": " + mosquitto_strerror(rc) +
                              "; retrying");
        schedule_reconnect();
        return;
    }
    watch_socket();
}

void MqttLink::apply_will() {
    if (will_source_) options_.will = will_source_();
    if (!options_.will) return;
    const auto& w = *options_.will;
    int rc = mosquitto_will_set(mosq_, w.topic.c_str(), static_cast<int>(w.payload.size()),
                                w.payload.data(), w.qos, w.retain);
    if (rc != MOSQ_ERR_SUCCESS)
        log::warning("mqtt", std::string("last will not set: ") + mosquitto_strerror(rc));
}

void MqttLink::schedule_reconnect() {
    if (stopping_ || reconnect_timer_) return;
    reconnect_timer_ = loop_.add_oneshot(backoff_, [this] {
        reconnect_timer_ = 0;
        connect_now();
    });
    if (!reconnect_timer_)
        log::error("mqtt", "cannot create the reconnect timer: retrying from the keepalive timer");
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
}

void MqttLink::watch_socket() {
    int fd = mosquitto_socket(mosq_);
    if (fd < 0) {
        schedule_reconnect();
        return;
    }
    want_write_ = mosquitto_want_write(mosq_);
    auto watched = watcher_.watch(fd, EPOLLIN | (want_write_ ? EPOLLOUT : 0u),
                                  [this](std::uint32_t ev) { on_socket(ev); });
    if (!watched) {
        // A socket nobody reads would look connecting forever: drop it and try again later.
        log::error("mqtt", watched.error().message() + "; reconnecting");
        mosquitto_disconnect(mosq_);
        schedule_reconnect();
        return;
    }
    watched_fd_ = fd;
}

void MqttLink::unwatch_socket() {
    if (watched_fd_ >= 0) watcher_.unwatch(watched_fd_);
    watched_fd_ = -1;
}

void MqttLink::update_write_interest() {
    if (watched_fd_ < 0) return;
    bool want = mosquitto_want_write(mosq_);
    if (want == want_write_) return;
    auto modified = watcher_.modify(watched_fd_, EPOLLIN | (want ? EPOLLOUT : 0u));
    if (!modified) {
        // Without EPOLLOUT queued messages would wait for the next read; a fresh connection
        // starts from a watch that is right.
        log::error("mqtt", modified.error().message() + "; reconnecting");
        lost("cannot follow the socket");
        return;
    }
    want_write_ = want;
}

void MqttLink::on_socket(std::uint32_t events) {
    int rc = MOSQ_ERR_SUCCESS;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) rc = mosquitto_loop_read(mosq_, 64);
    if (rc == MOSQ_ERR_SUCCESS && (events & EPOLLOUT)) rc = mosquitto_loop_write(mosq_, 64);
    if (rc != MOSQ_ERR_SUCCESS) {
        lost(rc == MOSQ_ERR_ERRNO ? "connection error" : mosquitto_strerror(rc));
        return;
    }
    update_write_interest();
}

void MqttLink::lost(std::string_view reason) {
    bool was_connected = connected_;
    connected_ = false;
    unwatch_socket();
    // Drops the socket so the next connect starts clean; in-flight QoS 1 messages are the
    // caller's to resend (they stay in its journal until acknowledged).
    mosquitto_disconnect(mosq_);
    if (was_connected) {
        log::warning("mqtt", "lost broker connection: " + std::string(reason));
        if (on_disconnected_) on_disconnected_();
    }
    schedule_reconnect();
}

void MqttLink::stop() {
    if (stopping_) return;
    stopping_ = true;
    if (reconnect_timer_) loop_.cancel_timer(reconnect_timer_);
    if (misc_timer_) loop_.cancel_timer(misc_timer_);
    if (lookup_deadline_) loop_.cancel_timer(lookup_deadline_);
    reconnect_timer_ = misc_timer_ = lookup_deadline_ = 0;
    lookup_.cancel();
    if (connected_) {
        mosquitto_disconnect(mosq_);
        // Let the DISCONNECT packet out so the broker does not publish our last will.
        for (int i = 0; i < 10 && mosquitto_want_write(mosq_); ++i) mosquitto_loop_write(mosq_, 1);
    }
    connected_ = false;
    unwatch_socket();
}

Result<int> MqttLink::publish(std::string_view topic, std::string_view payload, int qos,
                              bool retain) {
    if (!connected_) return fail("mqtt", "not connected");
    int mid = 0;
    std::string t(topic);
    int rc = mosquitto_publish(mosq_, &mid, t.c_str(), static_cast<int>(payload.size()),
                               payload.data(), qos, retain);
    if (rc != MOSQ_ERR_SUCCESS) return fail("mqtt publish " + t, mosquitto_strerror(rc));
    update_write_interest();
    return mid;
}

void MqttLink::subscribe(std::string pattern, int qos) {
    subscriptions_.emplace_back(pattern, qos);
    if (connected_) {
        send_subscribe(pattern, qos);
        update_write_interest();
    }
}

void MqttLink::send_subscribe(const std::string& pattern, int qos) {
    int mid = 0;
    int rc = mosquitto_subscribe(mosq_, &mid, pattern.c_str(), qos);
    if (rc != MOSQ_ERR_SUCCESS) {
        log::error("mqtt", "cannot subscribe to " + pattern + ": " + mosquitto_strerror(rc));
        return;
    }
    awaiting_suback_[mid] = pattern;
}

void MqttLink::pump(std::chrono::milliseconds timeout) {
    loop_.run_once(static_cast<int>(timeout.count()));
}

bool MqttLink::has_unsent() const {
    return mosquitto_want_write(mosq_);
}
}  // namespace fabgate

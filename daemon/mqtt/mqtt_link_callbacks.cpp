// What libmosquitto calls back with, and the link's answers to the broker's CONNACK and SUBACK.
// The trampolines are kept apart from the link's own calls because they run with libmosquitto's
// mutexes held (see guarded()).
#include <mosquitto.h>

#include <algorithm>

#include "mqtt/mqtt_link.hpp"
#include "sys/log.hpp"

namespace fabgate {

// libmosquitto calls these with its own mutexes held and C frames on the stack: an exception
// that unwound through them would leave a mutex locked (the next loop call, or ~MqttLink,
// then deadlocks). Each callback therefore catches everything and reports it as a fault.
template <typename Body>
void MqttLink::guarded(const char* callback, Body&& body) noexcept {
    try {
        body();
        return;
    } catch (const std::exception& e) {
        note_callback_fault(callback, e.what());
    } catch (...) {
        note_callback_fault(callback, "unknown exception");
    }
}

void MqttLink::note_callback_fault(const char* callback, const char* what) noexcept {
    ++callback_faults_;
    try {
        log::error("mqtt", std::string("fault in ") + callback + ": " + what +
                               "; the event was dropped, the link goes on");
    } catch (...) {
        // Out of memory even for the log line: the count above still records it.
    }
}

void MqttLink::handle_connect(mosquitto*, void* self_ptr, int rc) noexcept {
    auto* self = static_cast<MqttLink*>(self_ptr);
    self->guarded("connect callback", [self, rc] { self->on_connack(rc); });
}

void MqttLink::on_connack(int rc) {
    if (rc != 0) {
        log::warning("mqtt",
                     std::string("broker refused connection: ") + mosquitto_connack_string(rc));
        lost("refused");
        return;
    }
    connected_ = true;
    backoff_ = options_.min_backoff;
    addresses_.clear();  // after this connection, look the name up afresh: the broker may move
    next_address_ = 0;
    log::info("mqtt",
              "connected to " + options_.broker.host + ":" + std::to_string(options_.broker.port));
    awaiting_suback_.clear();
    for (const auto& [pattern, qos] : subscriptions_) send_subscribe(pattern, qos);
    if (on_connected_) on_connected_();
    update_write_interest();
}

void MqttLink::handle_disconnect(mosquitto*, void*, int) noexcept {
    // Called from inside loop_read/loop_write, which then return an error that on_socket()
    // handles: tearing the socket down here would free it under libmosquitto.
}

void MqttLink::handle_message(mosquitto*, void* self_ptr, const mosquitto_message* msg) noexcept {
    auto* self = static_cast<MqttLink*>(self_ptr);
    self->guarded("message callback", [self, msg] {
        if (!self->on_message_ || !msg->topic) return;
        std::string_view payload(static_cast<const char*>(msg->payload),
                                 static_cast<std::size_t>(msg->payloadlen));
        self->on_message_(msg->topic, payload, msg->retain);
    });
}

void MqttLink::handle_publish(mosquitto*, void* self_ptr, int mid) noexcept {
    auto* self = static_cast<MqttLink*>(self_ptr);
    self->guarded("publish callback", [self, mid] {
        if (self->on_published_) self->on_published_(mid);
    });
}

void MqttLink::handle_subscribe(mosquitto*, void* self_ptr, int mid, int qos_count,
                                const int* granted_qos) noexcept {
    auto* self = static_cast<MqttLink*>(self_ptr);
    // Each SUBSCRIBE carries one pattern, so its SUBACK carries one code.
    self->guarded("subscribe callback", [self, mid, qos_count, granted_qos] {
        if (qos_count >= 1 && granted_qos) self->on_suback(mid, granted_qos[0]);
    });
}

// MQTT 3.1.1 answers a subscription the ACL forbids with 0x80 instead of a QoS; the connection
// stays up, so this is the only sign that the topic will stay silent.
void MqttLink::on_suback(int mid, int granted_qos) {
    auto found = awaiting_suback_.find(mid);
    if (found == awaiting_suback_.end()) return;  // one from a connection since dropped
    std::string pattern = std::move(found->second);
    awaiting_suback_.erase(found);
    auto listed = std::find(refused_.begin(), refused_.end(), pattern);
    if (granted_qos >= 0 && granted_qos <= 2) {
        if (listed != refused_.end()) {
            refused_.erase(listed);
            log::notice("mqtt", "the broker now grants the subscription to " + pattern);
            if (on_refusals_changed_) on_refusals_changed_();
        }
        return;
    }
    ++subscription_refusals_;
    log::error("mqtt", "the broker refused the subscription to " + pattern +
                           ": nothing will arrive there; check the broker's ACL for login '" +
                           options_.broker.username + "'");
    if (listed != refused_.end()) return;
    refused_.push_back(pattern);
    if (on_refusals_changed_) on_refusals_changed_();
}

}  // namespace fabgate

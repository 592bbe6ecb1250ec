#include "ctl/broker_publish.hpp"

#include <unistd.h>

#include "core/enum_names.hpp"
#include "core/topics.hpp"
#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"

namespace fabgate::ctl {

constexpr EnumNames<Delivery, 3> kDeliveryNames{
    {{Delivery::Confirmed, "confirmed"},
     {Delivery::NotConfirmed, "not_confirmed"},
     {Delivery::BrokerUnreachable, "broker_unreachable"}}};

EnumNameTable<Delivery> enum_names(Delivery) {
    return kDeliveryNames.table("unknown");
}

bool shows_effect(CommandKind kind, const std::optional<MachineStatus>& before,
                  const MachineStatus& now) {
    if (now.state == MachineState::Offline) return false;  // the broker's last will, not the gate
    switch (kind) {
        case CommandKind::Lock:
            return now.locked;
        case CommandKind::Unlock:
            return !now.locked;
        case CommandKind::EndSession:
            return now.session.empty() || (before && now.session != before->session);
    }
    return false;
}

namespace {

std::string seconds_text(std::chrono::milliseconds t) {
    return std::to_string(t.count() / 1000) + "." + std::to_string(t.count() % 1000 / 100) + " s";
}

MqttOptions command_link_options(const BrokerConfig& broker) {
    MqttOptions options;
    options.broker = broker;
    // Never the ledger's client id. (A production broker uses the user name instead.)
    options.broker.client_id =
        "fabctl-" + (broker.username.empty() ? std::string("anonymous") : broker.username) + "-" +
        std::to_string(::getpid());
    options.clean_session = true;
    options.min_backoff = std::chrono::milliseconds(250);
    options.max_backoff = std::chrono::milliseconds(1000);
    return options;
}

enum class Stage { Connecting, Sent, Acknowledged, Confirmed };

// Says how far the command got, in the manager's words: only Confirmed means the gate did it.
void describe_outcome(Stage stage, std::chrono::milliseconds timeout, CommandDelivery& result) {
    auto waited = seconds_text(timeout);
    switch (stage) {
        case Stage::Confirmed:
            result.outcome = Delivery::Confirmed;
            result.detail = "the gate reports " + std::string(to_string(result.state->state)) +
                            (result.state->detail.empty() ? "" : ": " + result.state->detail);
            break;
        case Stage::Connecting:
            result.outcome = Delivery::BrokerUnreachable;
            result.detail = "not reachable or refused the connection within " + waited +
                            " (is mosquitto running? are host, port and your login right?)";
            break;
        case Stage::Sent:
            result.detail = "the broker did not acknowledge the command within " + waited;
            break;
        case Stage::Acknowledged:
            if (result.state && result.state->state == MachineState::Offline)
                result.detail = "the gate is offline (" + result.state->detail + ")";
            else if (!result.state)
                result.detail = "no state from the gate within " + waited +
                                " (never reported, or this login may not read it)";
            else
                result.detail = "no state showing it within " + waited +
                                "; the broker drops a command this login may not send without "
                                "saying so (check its block in acl.conf), or the gate is not "
                                "connected";
            break;
    }
}

}  // namespace

CommandDelivery send_and_confirm(const BrokerConfig& broker, const CommandRequest& request) {
    CommandDelivery result;
    result.where = "broker " + broker.host + ":" + std::to_string(broker.port);
    EventLoop loop;
    MqttLink link(loop, command_link_options(broker));
    Stage stage = Stage::Connecting;
    int message_id = -1;
    std::optional<MachineStatus> before;
    std::string payload = encode(request.command);
    // Subscribed on connect, before the publish: the broker handles our packets in order, so
    // the gate's answer cannot slip past the subscription.
    link.subscribe(request.state_topic, topics::kState.qos);
    link.on_connected([&] {
        if (stage != Stage::Connecting) return;  // a reconnect after the publish: keep waiting
        auto mid = link.publish(request.command_topic, payload, topics::kCommands.qos,
                                topics::kCommands.retain);
        if (!mid) {
            result.detail = mid.error().message();
            return;  // retried on the next connect
        }
        message_id = *mid;
        stage = Stage::Sent;
    });
    link.on_published([&](int mid) {
        if (mid == message_id && stage == Stage::Sent) stage = Stage::Acknowledged;
    });
    link.on_message([&](std::string_view topic, std::string_view text, bool retained) {
        if (topic != request.state_topic) return;
        auto status = decode_status(text);
        if (!status) return;
        result.state = *status;
        // A retained copy is what the gate said before; only a fresh state answers the command.
        if (retained || stage == Stage::Connecting) {
            if (retained) before = *status;
            return;
        }
        if (!shows_effect(request.command.kind, before, *status)) return;
        stage = Stage::Confirmed;
        loop.stop(0);
    });
    auto timer = loop.add_timer(request.timeout, [&] { loop.stop(2); });
    if (timer == 0) {
        result.outcome = Delivery::BrokerUnreachable;
        result.detail = "cannot create a timer";
        return result;
    }
    if (auto s = link.start(); !s) {
        result.outcome = Delivery::BrokerUnreachable;
        result.detail = s.error().message();
        return result;
    }
    loop.run();
    link.stop();
    describe_outcome(stage, request.timeout, result);
    return result;
}

}  // namespace fabgate::ctl

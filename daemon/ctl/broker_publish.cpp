#include "ctl/broker_publish.hpp"

#include <unistd.h>

#include <optional>

#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"

namespace fabgate::ctl {

Status publish_and_wait(const BrokerConfig& broker, const std::string& topic,
                        const std::string& payload, std::chrono::milliseconds timeout) {
    std::string where = "broker " + broker.host + ":" + std::to_string(broker.port);
    EventLoop loop;
    MqttOptions options;
    options.broker = broker;
    // Never the ledger's client id: the broker would disconnect fabledger to let us in.
    options.broker.client_id = "fabctl-" + std::to_string(::getpid());
    options.clean_session = true;
    options.min_backoff = std::chrono::milliseconds(250);
    options.max_backoff = std::chrono::milliseconds(1000);
    MqttLink link(loop, options);

    enum class Stage { Connecting, Sent, Acknowledged };
    Stage stage = Stage::Connecting;
    int message_id = -1;
    std::optional<Error> error;
    link.on_connected([&] {
        if (stage != Stage::Connecting) return;  // a reconnect after the publish: keep waiting
        auto mid = link.publish(topic, payload, 1, false);
        if (!mid) {
            error = Error{where, mid.error().message()};
            loop.stop(1);
            return;
        }
        message_id = *mid;
        stage = Stage::Sent;
    });
    link.on_published([&](int mid) {
        if (mid != message_id) return;
        stage = Stage::Acknowledged;
        loop.stop(0);
    });
    auto timer = loop.add_timer(timeout, [&] { loop.stop(2); });
    if (timer == 0) return fail(where, "cannot create a timer");
    if (auto s = link.start(); !s) return fail(where, s.error().message());
    loop.run();
    link.stop();
    if (error) return tl::unexpected(*error);
    auto seconds = std::to_string(timeout.count() / 1000) + "." +
                   std::to_string(timeout.count() % 1000 / 100) + " s";
    if (stage == Stage::Connecting)
        return fail(where, "not reachable or refused the connection within " + seconds +
                               " (is mosquitto running? are host, port and credentials in the "
                               "ledger config right?)");
    if (stage == Stage::Sent)
        return fail(where, "accepted the connection but did not acknowledge the message within " +
                               seconds + "; it may or may not have been delivered");
    return {};
}

}  // namespace fabgate::ctl

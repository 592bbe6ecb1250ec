#include "web/web_server.hpp"

#include <csignal>
#include <utility>

#include "core/json_reader.hpp"
#include "core/topics.hpp"
#include "ctl/lab_zone.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"
#include "sys/system_clock.hpp"

namespace fabgate::web {
namespace {

MqttOptions mqtt_options(const WebConfig& config) {
    MqttOptions o;
    o.broker = config.broker;
    // A production broker keys sessions by user name; anonymous (demo) brokers by this id.
    if (o.broker.client_id.empty()) o.broker.client_id = "fabweb";
    o.clean_session = true;  // the board is rebuilt from retained states on every connect
    return o;
}

std::string broker_where(const WebConfig& config) {
    return "broker " + config.broker.host + ":" + std::to_string(config.broker.port);
}

// on_signal blocks the signal before it makes the signalfd: had that failed, SIGTERM would be
// ignored and systemd's stop would wait out its timeout, then SIGKILL. Better not to start.
Status stop_on_signals(EventLoop& loop) {
    TRY(loop.on_signal(SIGTERM, [&loop] { loop.stop(0); }));
    return loop.on_signal(SIGINT, [&loop] { loop.stop(0); });
}

}  // namespace

WebServer::WebServer(EventLoop& loop, const WebConfig& config, ledger::LedgerDb& db)
    : loop_(loop),
      config_(config),
      link_(loop, mqtt_options(config)),
      board_(
          loop,
          [this](const std::string& topic, const std::string& payload) {
              // The board publishes commands only.
              return link_.publish(topic, payload, topics::kCommands.qos, topics::kCommands.retain);
          },
          broker_where(config)),
      app_(WebAppDeps{&db, &config_, &board_, [] { return SystemClock().wall().unix_ms; },
                      [] { return SystemClock().monotonic(); }, config.listen.tls()}),
      http_(loop, [this](const HttpRequest& r) { return app_.handle(r); }) {
    board_.set_renderer([this](const MachineKey& key) { return machine_entry(app_, key); });
    link_.on_connected([this] { board_.on_connection(true); });
    link_.on_disconnected([this] { board_.on_connection(false); });
    link_.on_message([this](std::string_view topic, std::string_view payload, bool retained) {
        board_.on_message(topic, payload, retained);
    });
    link_.subscribe(topics::all_machines(topics::kState.leaf), topics::kState.qos);
}

WebServer::~WebServer() {
    stop();
}

Status WebServer::start() {
    TRY(check_listener(config_.listen));
    HttpServerOptions options;
    options.address = config_.listen.address;
    options.port = config_.listen.port;
    // Facing the network, one client holding half-sent requests open (a byte a minute is
    // enough) could take every connection and lock the console for all. A browser needs a
    // handful; behind a reverse proxy (a loopback listener) every client has the proxy's
    // address, so the proxy limits them.
    options.max_per_address = is_loopback(config_.listen.address) ? 0 : 32;
    if (config_.listen.tls()) {
        TRY_ASSIGN(auto cert, read_text_file(config_.listen.cert_file));
        TRY_ASSIGN(auto key, read_text_file(config_.listen.key_file));
        options.cert_pem = cert;
        options.key_pem = key;
    }
    // Without the keepalive, proxies cut idle event streams and every open board goes stale:
    // better to refuse to start. Made before the listener, so a refusal leaves no port open.
    keepalive_ = loop_.add_timer(
        std::chrono::seconds(25), [this] { board_.keepalive(); }, std::chrono::seconds(25));
    if (keepalive_ == 0)
        return fail("fabweb",
                    "cannot create the board's keepalive timer (out of file descriptors?)");
    auto listening = http_.start(options);
    if (!listening) {
        loop_.cancel_timer(std::exchange(keepalive_, 0));
        return listening;
    }
    return link_.start();
}

void WebServer::stop() {
    if (keepalive_ != 0) loop_.cancel_timer(keepalive_);
    keepalive_ = 0;
    http_.stop();
    link_.stop();
}

int serve(const WebConfig& config, ledger::LedgerDb& db, std::ostream& err) {
    log::set_component("fabweb");
    std::unique_ptr<ctl::ZoneRules> zone;
    if (!config.time_zone.empty()) {
        auto loaded = ctl::load_zone(config.time_zone);
        if (!loaded) {
            err << "fabweb: time_zone: " << loaded.error().message() << "\n";
            return 1;
        }
        zone = std::move(*loaded);
    }
    ctl::set_lab_zone(zone.get());  // for the whole run: one thread, one lab
    EventLoop loop;
    WebServer server(loop, config, db);
    auto started = server.start();
    if (started) started = stop_on_signals(loop);
    if (!started) {
        err << "fabweb: " << started.error().message() << "\n";
        ctl::set_lab_zone(nullptr);
        return 1;
    }
    std::signal(SIGPIPE, SIG_IGN);
    log::notice("fabweb", std::string(config.listen.tls() ? "https" : "http") + "://" +
                              config.listen.address + ":" + std::to_string(server.port()) + "/");
    notify::ready();
    notify::start_watchdog(loop);
    int code = loop.run();
    notify::stopping();
    server.stop();
    ctl::set_lab_zone(nullptr);
    return code;
}

}  // namespace fabgate::web

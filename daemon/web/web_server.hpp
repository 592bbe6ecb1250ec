#pragma once
// fabweb assembled: the HTTP listener, the broker link feeding the board, the application,
// all on one event loop. Tests start it on their own loop with port 0.
#include <memory>
#include <ostream>

#include "ledger/ledger_db.hpp"
#include "loop/event_loop.hpp"
#include "mqtt/mqtt_link.hpp"
#include "web/board.hpp"
#include "web/http_server.hpp"
#include "web/machine_view.hpp"
#include "web/web_app.hpp"
#include "web/web_config.hpp"

namespace fabgate::web {

class WebServer {
  public:
    WebServer(EventLoop& loop, const WebConfig& config, ledger::LedgerDb& db);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    // Refuses a plain listener off loopback (unless insecure_http), a missing certificate.
    Status start();
    void stop();
    int port() const { return http_.port(); }
    WebApp& app() { return app_; }
    Board& board() { return board_; }
    MqttLink& link() { return link_; }

  private:
    EventLoop& loop_;
    WebConfig config_;
    MqttLink link_;
    Board board_;
    WebApp app_;
    HttpServer http_;
    EventLoop::TimerId keepalive_ = 0;
};

// Runs fabweb until SIGTERM/SIGINT. Returns the exit code.
int serve(const WebConfig& config, ledger::LedgerDb& db, std::ostream& err);

}  // namespace fabgate::web

#pragma once
// libmicrohttpd inside our event loop: MHD_USE_EPOLL without a thread of its own. Its epoll
// descriptor is one more fd in the loop, MHD_run is called when it is readable, and a timer
// armed from MHD_get_timeout drives its connection timeouts. Answers given later and event
// streams park their connection (MHD_suspend_connection) until there is something to send.
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "core/result.hpp"
#include "loop/event_loop.hpp"
#include "web/http_types.hpp"

struct MHD_Daemon;
struct MHD_Connection;

namespace fabgate::web {

struct HttpServerOptions {
    std::string address = "127.0.0.1";
    int port = 8080;       // 0: any free port (tests), see port()
    std::string cert_pem;  // with key_pem: HTTPS
    std::string key_pem;
    std::size_t max_body_bytes = 64 * 1024;
    unsigned connection_timeout_s = 60;
    unsigned max_connections = 256;
    // Per client address; 0: none (behind a reverse proxy every client has the proxy's).
    unsigned max_per_address = 0;
};

class HttpServer {
  public:
    HttpServer(EventLoop& loop, HttpHandler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    Status start(const HttpServerOptions& options);
    void stop();
    int port() const { return port_; }
    // Whether this libmicrohttpd can serve HTTPS (Debian's is built with GnuTLS).
    static bool tls_supported();

    // libmicrohttpd's C callbacks, public only so the .cpp's trampolines can reach them.
    struct Connection;
    int on_request(MHD_Connection* c, const char* url, const char* method, const char* upload_data,
                   std::size_t* upload_size, void** state);
    void on_completed(void** state);
    void park(MHD_Connection* c);
    void unpark(MHD_Connection* c);

  private:
    void run_now();
    void schedule_run();
    int respond(MHD_Connection* c, Connection& conn, Answer answer);

    EventLoop& loop_;
    HttpHandler handler_;
    HttpServerOptions options_;
    MHD_Daemon* daemon_ = nullptr;
    int epoll_fd_ = -1;
    int port_ = 0;
    EventLoop::TimerId timer_ = 0;
    bool run_scheduled_ = false;
    std::set<MHD_Connection*> parked_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fabgate::web

#include "web/http_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>

#include <cstdarg>
#include <cstring>
#include <exception>
#include <string>

#include "sys/log.hpp"

namespace fabgate::web {

void LaterReply::complete(HttpResponse response) {
    if (done_) return;
    done_ = true;
    response_ = std::move(response);
    for (auto& h : extra_headers) response_.headers.push_back(std::move(h));
    if (wake_) {
        auto wake = std::move(wake_);
        wake_ = nullptr;
        wake();
    }
}

void EventStream::push(std::string_view bytes) {
    if (closed_ || finished_) return;
    buffer_.append(bytes);
    if (wake_) wake_();
}

void EventStream::finish() {
    if (closed_ || finished_) return;
    finished_ = true;
    if (wake_) wake_();
}

std::string EventStream::take(std::size_t max) {
    std::string out = buffer_.substr(0, max);
    buffer_.erase(0, out.size());
    return out;
}

// What libmicrohttpd keeps for us per connection (its *con_cls).
struct HttpServer::Connection {
    std::string body;
    bool too_large = false;
    std::shared_ptr<LaterReply> later;
};

namespace {

// Every function libmicrohttpd calls back: an exception unwinding through its C frames would
// leave its locks held (the gate's MqttLink deadlocked that way), so it becomes a logged fault
// and the C answer `failed`.
template <class Result, class Call>
Result guarded(const char* where, Result failed, Call call) noexcept {
    try {
        return call();
    } catch (const std::exception& e) {
        log::error("http", std::string(where) + ": " + e.what());
    } catch (...) {
        log::error("http", std::string(where) + ": unknown exception");
    }
    return failed;
}

struct StreamContext {
    HttpServer* server;
    MHD_Connection* connection;
    std::shared_ptr<EventStream> stream;
    bool parked = false;
};

MHD_Result on_request_c(void* self, MHD_Connection* c, const char* url, const char* method,
                        const char* /*version*/, const char* upload_data, size_t* upload_size,
                        void** state) {
    return guarded("request", MHD_NO, [&] {
        return static_cast<HttpServer*>(self)->on_request(c, url, method, upload_data, upload_size,
                                                          state) == MHD_YES
                   ? MHD_YES
                   : MHD_NO;
    });
}

void on_completed_c(void* self, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    guarded("request end", 0, [&] {
        static_cast<HttpServer*>(self)->on_completed(state);
        return 0;
    });
}

void on_log_c(void*, const char* format, va_list args) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    guarded("log", 0, [&] {
        std::string message(text);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        log::warning("http", message);
        return 0;
    });
}

MHD_Result collect(void* into, MHD_ValueKind, const char* key, const char* value) {
    return guarded("request header", MHD_NO, [&] {
        auto& map = *static_cast<std::map<std::string, std::string>*>(into);
        map[std::string(key ? key : "")] = value ? value : "";
        return MHD_YES;
    });
}

MHD_Result collect_lower(void* into, MHD_ValueKind kind, const char* key, const char* value) {
    std::string name(key ? key : "");
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return collect(into, kind, name.c_str(), value);
}

std::string client_address(MHD_Connection* c) {
    const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return "";
    char host[NI_MAXHOST];
    socklen_t len =
        info->client_addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (::getnameinfo(info->client_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0)
        return "";
    return host;
}

ssize_t read_stream(void* cls, uint64_t, char* buf, size_t max) {
    return guarded("event stream", static_cast<ssize_t>(MHD_CONTENT_READER_END_WITH_ERROR), [&] {
        auto* ctx = static_cast<StreamContext*>(cls);
        if (ctx->stream->empty() && ctx->stream->finished())
            return static_cast<ssize_t>(MHD_CONTENT_READER_END_OF_STREAM);
        if (ctx->stream->empty()) {
            // Nothing to send: park the connection until push() wakes it (returning 0 without
            // parking would make libmicrohttpd ask again at once, busy-waiting).
            ctx->parked = true;
            ctx->server->park(ctx->connection);
            return static_cast<ssize_t>(0);
        }
        auto bytes = ctx->stream->take(max);
        std::memcpy(buf, bytes.data(), bytes.size());
        return static_cast<ssize_t>(bytes.size());
    });
}

void free_stream(void* cls) {
    auto* ctx = static_cast<StreamContext*>(cls);
    guarded("event stream end", 0, [&] {
        ctx->stream->close();
        return 0;
    });
    delete ctx;
}

MHD_Response* make_response(const HttpResponse& r) {
    auto* response = MHD_create_response_from_buffer(
        r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!response) return nullptr;
    MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
    for (const auto& [name, value] : r.headers)
        MHD_add_response_header(response, name.c_str(), value.c_str());
    return response;
}

// Fills `address` from a numeric IPv4 or IPv6 address ("localhost" is 127.0.0.1); false for a
// name: the console does not resolve names, so it never waits on DNS at start.
bool numeric_address(const std::string& text, int port, sockaddr_storage& address) {
    std::string host = text == "localhost" ? "127.0.0.1" : text;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        return true;
    }
    if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        return true;
    }
    return false;
}

}  // namespace

HttpServer::HttpServer(EventLoop& loop, HttpHandler handler)
    : loop_(loop), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
    stop();
}

bool HttpServer::tls_supported() {
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

Status HttpServer::start(const HttpServerOptions& options) {
    options_ = options;
    std::string where = "listen " + options.address + ":" + std::to_string(options.port);
    sockaddr_storage address{};
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (!numeric_address(options.address, options.port, address))
        return fail(where, "'" + options.address + "' is not a numeric IPv4 or IPv6 address");
    if (address.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    bool tls = !options.cert_pem.empty();
    if (tls) {
        if (!tls_supported())
            return fail(where,
                        "this libmicrohttpd was built without TLS: listen on loopback "
                        "behind a reverse proxy instead");
        flags |= MHD_USE_TLS;
    }
    MHD_OptionItem items[] = {
        // The logger first: libmicrohttpd reports options before it with its own.
        {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&on_log_c), nullptr},
        {MHD_OPTION_SOCK_ADDR, 0, &address},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&on_completed_c), this},
        {MHD_OPTION_CONNECTION_TIMEOUT, options.connection_timeout_s, nullptr},
        {MHD_OPTION_CONNECTION_LIMIT, options.max_connections, nullptr},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_per_address, nullptr},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
         const_cast<char*>(options_.cert_pem.c_str())},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(options_.key_pem.c_str())},
        {MHD_OPTION_END, 0, nullptr}};
    daemon_ = MHD_start_daemon(flags, static_cast<std::uint16_t>(options.port), nullptr, nullptr,
                               &on_request_c, this, MHD_OPTION_ARRAY, items, MHD_OPTION_END);
    if (!daemon_)
        return fail(where, "cannot listen (address in use, not ours, or a bad certificate/key)");
    const auto* epoll_info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
    const auto* port_info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    if (!epoll_info || !port_info) {
        stop();
        return fail(where, "libmicrohttpd gave no epoll descriptor");
    }
    epoll_fd_ = epoll_info->epoll_fd;
    port_ = port_info->port;
    if (auto s = loop_.watch(epoll_fd_, EPOLLIN, [this](std::uint32_t) { run_now(); }); !s) {
        stop();
        return s;
    }
    timer_ = loop_.add_timer(std::chrono::hours(24), [this] { run_now(); });
    if (timer_ == 0) {
        stop();
        return fail(where, "cannot create a timer");
    }
    run_now();
    return {};
}

void HttpServer::stop() {
    *alive_ = false;
    if (!daemon_) return;
    // libmicrohttpd must not be stopped with parked connections.
    for (auto* c : parked_) MHD_resume_connection(c);
    parked_.clear();
    if (epoll_fd_ >= 0) loop_.unwatch(epoll_fd_);
    epoll_fd_ = -1;
    if (timer_ != 0) loop_.cancel_timer(timer_);
    timer_ = 0;
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
}

void HttpServer::run_now() {
    if (!daemon_) return;
    MHD_run(daemon_);
    MHD_UNSIGNED_LONG_LONG timeout = 0;
    if (MHD_get_timeout(daemon_, &timeout) == MHD_YES)
        loop_.arm(timer_, std::chrono::milliseconds(static_cast<std::int64_t>(timeout)));
    else
        loop_.disarm(timer_);
}

void HttpServer::schedule_run() {
    if (run_scheduled_) return;
    run_scheduled_ = true;
    loop_.add_oneshot(std::chrono::milliseconds(0), [this, alive = alive_] {
        if (!*alive) return;
        run_scheduled_ = false;
        run_now();
    });
}

void HttpServer::park(MHD_Connection* c) {
    MHD_suspend_connection(c);
    parked_.insert(c);
}

void HttpServer::unpark(MHD_Connection* c) {
    if (parked_.erase(c) == 0) return;
    MHD_resume_connection(c);
    schedule_run();
}

int HttpServer::on_request(MHD_Connection* c, const char* url, const char* method,
                           const char* upload_data, std::size_t* upload_size, void** state) {
    if (*state == nullptr) {
        *state = new Connection();
        return MHD_YES;
    }
    auto& conn = *static_cast<Connection*>(*state);
    if (*upload_size > 0) {
        if (conn.body.size() + *upload_size > options_.max_body_bytes)
            conn.too_large = true;
        else
            conn.body.append(upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (conn.later) {  // woken: the answer is there
        if (!conn.later->done()) return MHD_NO;
        return respond(c, conn, Answer::now(conn.later->take()));
    }
    HttpRequest request;
    request.method = method;
    request.path = url;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &collect, &request.query);
    MHD_get_connection_values(c, MHD_HEADER_KIND, &collect_lower, &request.headers);
    MHD_get_connection_values(c, MHD_COOKIE_KIND, &collect, &request.cookies);
    request.client_address = client_address(c);
    request.body_too_large = conn.too_large;
    if (!conn.too_large) request.body = std::move(conn.body);
    return respond(c, conn, handler_(request));
}

int HttpServer::respond(MHD_Connection* c, Connection& conn, Answer answer) {
    switch (answer.kind) {
        case Answer::Kind::Later:
            if (!answer.later->done()) {
                conn.later = answer.later;
                conn.later->on_done([this, c, alive = alive_] {
                    if (*alive) unpark(c);
                });
                park(c);
                return MHD_YES;
            }
            answer.response = answer.later->take();
            break;
        case Answer::Kind::Stream: {
            auto* ctx = new StreamContext{this, c, answer.stream};
            answer.stream->on_data([ctx, alive = alive_] {
                if (!*alive || !ctx->parked) return;
                ctx->parked = false;
                ctx->server->unpark(ctx->connection);
            });
            auto* response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, &read_stream,
                                                               ctx, &free_stream);
            if (!response) {
                free_stream(ctx);
                return MHD_NO;
            }
            MHD_add_response_header(response, "Content-Type", answer.response.content_type.c_str());
            for (const auto& [name, value] : answer.response.headers)
                MHD_add_response_header(response, name.c_str(), value.c_str());
            auto rc =
                MHD_queue_response(c, static_cast<unsigned>(answer.response.status), response);
            MHD_destroy_response(response);
            return rc;
        }
        case Answer::Kind::Now:
            break;
    }
    auto* response = make_response(answer.response);
    if (!response) return MHD_NO;
    auto rc = MHD_queue_response(c, static_cast<unsigned>(answer.response.status), response);
    MHD_destroy_response(response);
    return rc;
}

void HttpServer::on_completed(void** state) {
    delete static_cast<Connection*>(*state);
    *state = nullptr;
}

}  // namespace fabgate::web

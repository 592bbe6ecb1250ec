#pragma once
// A request as fabweb's handlers see it, and their answers: now, later (a machine command
// waiting for its gate) or a stream (Server-Sent Events). No HTTP parsing here: libmicrohttpd
// has done it (http_server.cpp).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fabgate::web {

struct HttpRequest {
    std::string method;  // GET, POST...
    std::string path;    // decoded, without the query
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers;  // names lower-case
    std::map<std::string, std::string> cookies;
    std::string body;
    // Over the server's limit: not kept, the handler answers 413 (with its usual headers).
    bool body_too_large = false;
    std::string client_address;  // "127.0.0.1", "::1"

    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
    std::string param(const std::string& name) const {
        auto it = query.find(name);
        return it == query.end() ? std::string() : it->second;
    }
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// An answer that comes after the handler returned. complete() may be called at any time, even
// before the server has parked the connection; only the first call counts.
class LaterReply {
  public:
    void complete(HttpResponse response);
    bool done() const { return done_; }
    // Headers the answer will carry whatever it turns out to be (security headers).
    std::vector<std::pair<std::string, std::string>> extra_headers;
    HttpResponse take() { return std::move(response_); }
    // Set by the server while the connection waits.
    void on_done(std::function<void()> wake) { wake_ = std::move(wake); }

  private:
    bool done_ = false;
    HttpResponse response_;
    std::function<void()> wake_;
};

// An endless response (text/event-stream): push() queues bytes for the client; the server
// takes them as the socket can carry them. closed() once the client went away; finish() ends
// the response once what is queued has been sent (the client's session ended).
class EventStream {
  public:
    void push(std::string_view bytes);
    void finish();
    bool closed() const { return closed_; }
    bool finished() const { return finished_; }
    // Server side.
    std::string take(std::size_t max);
    bool empty() const { return buffer_.empty(); }
    void on_data(std::function<void()> wake) { wake_ = std::move(wake); }
    void close() {
        closed_ = true;
        wake_ = nullptr;
    }

  private:
    std::string buffer_;
    bool closed_ = false;
    bool finished_ = false;
    std::function<void()> wake_;
};

struct Answer {
    enum class Kind { Now, Later, Stream } kind = Kind::Now;
    HttpResponse response;  // Now; for a Stream, its status and headers
    std::shared_ptr<LaterReply> later;
    std::shared_ptr<EventStream> stream;

    static Answer now(HttpResponse r) { return Answer{Kind::Now, std::move(r), nullptr, nullptr}; }
};

using HttpHandler = std::function<Answer(const HttpRequest&)>;

}  // namespace fabgate::web

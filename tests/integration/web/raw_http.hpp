#pragma once
// A minimal HTTP/1.1 client for tests only: one request per connection, read while the test
// runs the server's event loop in the same thread (so it never blocks the server).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>

#include "loop/event_loop.hpp"

namespace fabgate::test {

class RawHttp {
  public:
    RawHttp(int port, const std::string& request) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        // What the kernel's buffer does not take now is sent while read_until runs the loop.
        unsent_ = request;
        if (connected_) send_some();
    }
    ~RawHttp() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawHttp(const RawHttp&) = delete;
    RawHttp& operator=(const RawHttp&) = delete;

    bool connected() const { return connected_; }
    // Runs the loop and reads until done(received) or the deadline; false on timeout.
    bool read_until(EventLoop& loop, const std::function<bool(const std::string&)>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done(received)) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            loop.run_once(10);
            send_some();
            char buf[4096];
            ssize_t n;
            while ((n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) > 0)
                received.append(buf, static_cast<std::size_t>(n));
            if (n == 0) closed = true;
        }
        return true;
    }
    // Reads a whole response (the server closes: "Connection: close").
    bool read_all(EventLoop& loop) {
        return read_until(loop, [this](const std::string&) { return closed; });
    }
    std::string body() const {
        auto end = received.find("\r\n\r\n");
        return end == std::string::npos ? "" : received.substr(end + 4);
    }
    std::string received;
    bool closed = false;

  private:
    // A refused send (the server answered and closed) leaves the answer to read.
    void send_some() {
        if (unsent_.empty()) return;
        ssize_t n = ::send(fd_, unsent_.data(), unsent_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            unsent_.erase(0, static_cast<std::size_t>(n));
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            unsent_.clear();
    }
    std::string unsent_;
    int fd_ = -1;
    bool connected_ = false;
};

inline std::string http_request(const std::string& method, const std::string& path,
                                const std::string& body = "", const std::string& cookie = "",
                                const std::string& csrf = "") {
    std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!cookie.empty()) r += "Cookie: fabweb_session=" + cookie + "\r\n";
    if (!csrf.empty()) r += "X-CSRF-Token: " + csrf + "\r\n";
    if (!body.empty())
        r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    return r + "\r\n" + body;
}

}  // namespace fabgate::test

#include "control_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fabgate {
namespace {

constexpr std::size_t kMaxLine = 512;

Result<sockaddr_un> address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return fail(path, "control socket path is too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

ControlSocket::~ControlSocket() {
    for (auto& [fd, client] : clients_) {
        loop_.unwatch(fd);
        close(fd);
    }
    if (listen_fd_ >= 0) {
        loop_.unwatch(listen_fd_);
        close(listen_fd_);
        unlink(path_.c_str());
    }
}

Status ControlSocket::listen(const std::string& path) {
    TRY_ASSIGN(auto addr, address(path));
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return fail(path, std::string("socket: ") + std::strerror(errno));
    unlink(path.c_str());  // a stale socket from a previous run
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 8) != 0)
        return fail(path, std::string("cannot listen: ") + std::strerror(errno));
    chmod(path.c_str(), 0660);
    path_ = path;
    hardware_.on_change([this](std::string_view change) { broadcast(change); });
    return loop_.watch(listen_fd_, EPOLLIN, [this](std::uint32_t) { accept_clients(); });
}

void ControlSocket::accept_clients() {
    while (true) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        clients_[fd] = Client{};
        (void)loop_.watch(fd, EPOLLIN, [this, fd](std::uint32_t) { read_client(fd); });
    }
}

void ControlSocket::read_client(int fd) {
    char chunk[256];
    auto n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        drop(fd);
        return;
    }
    auto& client = clients_[fd];
    client.buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = client.buffer.find('\n')) != std::string::npos) {
        std::string line = client.buffer.substr(0, newline);
        client.buffer.erase(0, newline + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line == "watch") {
            client.watching = true;
            write_all(fd, "ok watching " + hardware_.describe() + "\n");
            continue;
        }
        auto reply = hardware_.execute(line);
        // The command may have closed this client through a broadcast failure.
        if (!clients_.count(fd)) return;
        write_all(fd, reply ? "ok " + *reply + "\n" : "error " + reply.error().message() + "\n");
    }
    if (client.buffer.size() > kMaxLine) {
        write_all(fd, "error line too long\n");
        drop(fd);
    }
}

void ControlSocket::drop(int fd) {
    loop_.unwatch(fd);
    close(fd);
    clients_.erase(fd);
}

void ControlSocket::broadcast(std::string_view change) {
    std::string line = "event " + std::string(change) + "\n";
    for (auto& [fd, client] : clients_)
        if (client.watching) write_all(fd, line);
}

Result<std::string> send_control_command(const std::string& path, const std::string& line) {
    TRY_ASSIGN(auto addr, address(path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(path, std::string("socket: ") + std::strerror(errno));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        close(fd);
        return fail(path,
                    std::string("cannot reach the gate's control socket: ") + std::strerror(err));
    }
    write_all(fd, line + "\n");
    std::string reply;
    char c;
    while (recv(fd, &c, 1, 0) == 1 && c != '\n') reply.push_back(c);
    close(fd);
    if (reply.rfind("ok ", 0) == 0) return reply.substr(3);
    if (reply.rfind("error ", 0) == 0) return fail(path, reply.substr(6));
    return fail(path, "no answer from the gate");
}

}  // namespace fabgate

#include "sys/name_lookup.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

namespace fabgate {

struct NameLookup::Shared {
    UniqueFd event_fd;
    std::mutex mutex;
    std::uint64_t wanted = 0;  // the lookup whose answer is still wanted (0: none)
    std::optional<Result<Addresses>> answer;
};

bool is_numeric_address(const std::string& host) {
    in6_addr v6{};
    in_addr v4{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
           inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

Result<Addresses> resolve_with_getaddrinfo(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    std::string service = std::to_string(port);
    int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    if (rc != 0) return fail("broker.host", "cannot resolve '" + host + "': " + gai_strerror(rc));
    Addresses addresses;
    for (addrinfo* a = list; a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw =
            a->ai_family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
        if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
            inet_ntop(a->ai_family, raw, text, sizeof text))
            addresses.emplace_back(text);
    }
    freeaddrinfo(list);
    if (addresses.empty()) return fail("broker.host", "'" + host + "' has no IPv4 or IPv6 address");
    return addresses;
}

NameLookup::NameLookup(EventLoop& loop, BlockingResolver resolver)
    : loop_(loop), resolver_(std::move(resolver)), shared_(std::make_shared<Shared>()) {}

NameLookup::~NameLookup() {
    if (shared_->event_fd) loop_.unwatch(shared_->event_fd.get());
    // A thread still inside getaddrinfo keeps `shared_` (and so the eventfd) alive until it
    // returns; its answer then goes nowhere.
}

Status NameLookup::start(const std::string& host, int port, Done done) {
    if (!shared_->event_fd) {
        UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!fd) return fail("name lookup", "cannot create an eventfd");
        int raw = fd.get();
        shared_->event_fd = std::move(fd);
        if (auto s = loop_.watch(raw, EPOLLIN, [this](std::uint32_t) { on_ready(); }); !s) {
            shared_->event_fd.reset();
            return s;
        }
    }
    std::uint64_t generation = ++generation_;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->wanted = generation;
        shared_->answer.reset();
    }
    try {
        std::thread([shared = shared_, resolver = resolver_, host, port, generation] {
            Result<Addresses> answer = [&]() -> Result<Addresses> {
                try {
                    return resolver(host, port);
                } catch (const std::exception& e) {
                    return fail("broker.host", std::string("lookup failed: ") + e.what());
                }
            }();
            std::lock_guard lock(shared->mutex);
            if (shared->wanted != generation) return;  // replaced or cancelled meanwhile
            shared->answer = std::move(answer);
            std::uint64_t one = 1;
            (void)!::write(shared->event_fd.get(), &one, sizeof one);
        }).detach();
    } catch (const std::system_error& e) {
        return fail("name lookup", std::string("cannot start a lookup thread: ") + e.what());
    }
    done_ = std::move(done);
    return {};
}

void NameLookup::cancel() {
    std::lock_guard lock(shared_->mutex);
    shared_->wanted = 0;
    shared_->answer.reset();
    done_ = nullptr;
}

void NameLookup::on_ready() {
    std::uint64_t count = 0;
    (void)!::read(shared_->event_fd.get(), &count, sizeof count);
    std::optional<Result<Addresses>> answer;
    {
        std::lock_guard lock(shared_->mutex);
        answer = std::move(shared_->answer);
        shared_->answer.reset();
        shared_->wanted = 0;
    }
    if (!answer || !done_) return;
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(*answer));
}

}  // namespace fabgate

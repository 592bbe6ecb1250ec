#include "loop/event_loop.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace fabgate {
namespace {

itimerspec to_itimerspec(std::chrono::milliseconds delay, std::chrono::milliseconds interval) {
    itimerspec spec{};
    // A zero it_value disarms a timerfd; a due-now timer fires after 1 ns instead.
    auto d = delay.count() <= 0 ? std::chrono::nanoseconds(1) : std::chrono::nanoseconds(delay);
    spec.it_value.tv_sec = static_cast<time_t>(d.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(d.count() % 1'000'000'000);
    spec.it_interval.tv_sec = static_cast<time_t>(interval.count() / 1000);
    spec.it_interval.tv_nsec = static_cast<long>((interval.count() % 1000) * 1'000'000);
    return spec;
}

}  // namespace

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_fd_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

EventLoop::~EventLoop() = default;

Status EventLoop::watch(int fd, std::uint32_t events, FdHandler handler) {
    std::uint64_t token = next_token_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
        return fail("event loop",
                    "cannot watch fd " + std::to_string(fd) + ": " + std::strerror(errno));
    // The kernel accepted the fd, so any earlier watch under this number was of an fd closed
    // without unwatch(): its entry is stale and goes.
    if (auto old = tokens_.find(fd); old != tokens_.end()) watches_.erase(old->second);
    tokens_[fd] = token;
    watches_[token] = Watch{fd, std::make_shared<FdHandler>(std::move(handler))};
    return {};
}

Status EventLoop::modify(int fd, std::uint32_t events) {
    auto it = tokens_.find(fd);
    if (it == tokens_.end())
        return fail("event loop", "cannot modify fd " + std::to_string(fd) + ": not watched");
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = it->second;
    if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &ev) != 0)
        return fail("event loop",
                    "cannot modify fd " + std::to_string(fd) + ": " + std::strerror(errno));
    return {};
}

void EventLoop::unwatch(int fd) {
    auto it = tokens_.find(fd);
    if (it == tokens_.end()) return;
    watches_.erase(it->second);
    tokens_.erase(it);
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

bool EventLoop::set_timer(int fd, std::chrono::milliseconds delay,
                          std::chrono::milliseconds interval) {
    auto spec = to_itimerspec(delay, interval);
    return timerfd_settime(fd, 0, &spec, nullptr) == 0;
}

EventLoop::TimerId EventLoop::add_timer(std::chrono::milliseconds delay, TimerHandler handler,
                                        std::chrono::milliseconds interval) {
    UniqueFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!fd || !set_timer(fd.get(), delay, interval)) return 0;
    TimerId id = next_timer_++;
    int raw = fd.get();
    auto status = watch(raw, EPOLLIN, [this, id, raw](std::uint32_t) {
        std::uint64_t expirations = 0;
        if (read(raw, &expirations, sizeof expirations) != sizeof expirations) return;
        auto it = timers_.find(id);
        if (it == timers_.end()) return;
        // Copy: the handler may cancel or re-add timers.
        auto handler_copy = it->second.handler;
        handler_copy();
    });
    if (!status) return 0;
    timers_[id] = Timer{std::move(fd), std::move(handler), interval};
    return id;
}

EventLoop::TimerId EventLoop::add_oneshot(std::chrono::milliseconds delay, TimerHandler handler) {
    auto id = std::make_shared<TimerId>(0);
    *id = add_timer(delay, [this, id, handler = std::move(handler)] {
        cancel_timer(*id);  // the handler runs from a copy, so freeing the timer first is safe
        handler();
    });
    return *id;
}

bool EventLoop::arm(TimerId id, std::chrono::milliseconds delay) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return false;
    return set_timer(it->second.fd.get(), delay, it->second.interval);
}

bool EventLoop::disarm(TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return false;
    itimerspec spec{};  // a zero it_value disarms a timerfd
    return timerfd_settime(it->second.fd.get(), 0, &spec, nullptr) == 0;
}

void EventLoop::cancel_timer(TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    unwatch(it->second.fd.get());
    timers_.erase(it);  // closes the timerfd
}

Status EventLoop::on_signal(int signo, std::function<void()> handler) {
    sigset_t mask;
    sigemptyset(&mask);
    for (auto& [s, h] : signal_handlers_) sigaddset(&mask, s);
    sigaddset(&mask, signo);
    if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0)
        return fail("event loop", std::string("cannot block signal: ") + std::strerror(errno));
    bool first = !signal_fd_;
    int fd = signalfd(signal_fd_.get(), &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return fail("event loop", std::string("signalfd: ") + std::strerror(errno));
    if (first) signal_fd_.reset(fd);  // otherwise signalfd() updated the one we have
    signal_handlers_[signo] = std::move(handler);
    if (first) {
        return watch(signal_fd_.get(), EPOLLIN, [this](std::uint32_t) {
            signalfd_siginfo info{};
            while (read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
                auto it = signal_handlers_.find(static_cast<int>(info.ssi_signo));
                if (it != signal_handlers_.end()) it->second();
            }
        });
    }
    return {};
}

void EventLoop::run_once(int timeout_ms) {
    epoll_event events[32];
    int n = epoll_wait(epoll_fd_.get(), events, 32, timeout_ms);
    if (n <= 0) return;
    ++wakeups_;
    for (int i = 0; i < n; ++i) {
        // A token unknown now was unwatched by an earlier handler this round, even if its fd
        // number is already watched again for another file.
        // Copied out: epoll_event is packed on x86-64, so binding find's const reference to
        // the member itself would be a misaligned reference (UBSan under clang says so).
        std::uint64_t token = events[i].data.u64;
        auto it = watches_.find(token);
        if (it == watches_.end()) continue;
        auto handler = it->second.handler;  // keeps the handler alive if it unwatches itself
        (*handler)(events[i].events);
    }
}

int EventLoop::run() {
    while (!stopping_) run_once(-1);
    return exit_code_;
}

void EventLoop::stop(int code) {
    stopping_ = true;
    exit_code_ = code;
}

}  // namespace fabgate

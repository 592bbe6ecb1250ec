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

EventLoop::EventLoop() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0)
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

EventLoop::~EventLoop() {
    for (auto& [id, t] : timers_) close(t.fd);
    if (signal_fd_ >= 0) close(signal_fd_);
    close(epoll_fd_);
}

Status EventLoop::watch(int fd, std::uint32_t events, FdHandler handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
        return fail("event loop",
                    "cannot watch fd " + std::to_string(fd) + ": " + std::strerror(errno));
    handlers_[fd] = std::make_shared<FdHandler>(std::move(handler));
    return {};
}

Status EventLoop::modify(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0)
        return fail("event loop",
                    "cannot modify fd " + std::to_string(fd) + ": " + std::strerror(errno));
    return {};
}

void EventLoop::unwatch(int fd) {
    if (handlers_.erase(fd)) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::add_timer(std::chrono::milliseconds delay, TimerHandler handler,
                                        std::chrono::milliseconds interval) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) return 0;
    auto spec = to_itimerspec(delay, interval);
    timerfd_settime(fd, 0, &spec, nullptr);
    TimerId id = next_timer_++;
    timers_[id] = Timer{fd, std::move(handler), interval};
    auto status = watch(fd, EPOLLIN, [this, id, fd](std::uint32_t) {
        std::uint64_t expirations = 0;
        if (read(fd, &expirations, sizeof expirations) != sizeof expirations) return;
        auto it = timers_.find(id);
        if (it == timers_.end()) return;
        // Copy: the handler may cancel or re-add timers.
        auto handler_copy = it->second.handler;
        handler_copy();
    });
    if (!status) {
        close(fd);
        timers_.erase(id);
        return 0;
    }
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

bool EventLoop::rearm(TimerId id, std::chrono::milliseconds delay) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return false;
    itimerspec spec{};
    if (delay.count() > 0) spec = to_itimerspec(delay, it->second.interval);
    timerfd_settime(it->second.fd, 0, &spec, nullptr);
    return true;
}

void EventLoop::cancel_timer(TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    unwatch(it->second.fd);
    close(it->second.fd);
    timers_.erase(it);
}

Status EventLoop::on_signal(int signo, std::function<void()> handler) {
    sigset_t mask;
    sigemptyset(&mask);
    for (auto& [s, h] : signal_handlers_) sigaddset(&mask, s);
    sigaddset(&mask, signo);
    if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0)
        return fail("event loop", std::string("cannot block signal: ") + std::strerror(errno));
    bool first = signal_fd_ < 0;
    signal_fd_ = signalfd(signal_fd_, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) return fail("event loop", std::string("signalfd: ") + std::strerror(errno));
    signal_handlers_[signo] = std::move(handler);
    if (first) {
        return watch(signal_fd_, EPOLLIN, [this](std::uint32_t) {
            signalfd_siginfo info{};
            while (read(signal_fd_, &info, sizeof info) == sizeof info) {
                auto it = signal_handlers_.find(static_cast<int>(info.ssi_signo));
                if (it != signal_handlers_.end()) it->second();
            }
        });
    }
    return {};
}

void EventLoop::run_once(int timeout_ms) {
    epoll_event events[32];
    int n = epoll_wait(epoll_fd_, events, 32, timeout_ms);
    if (n <= 0) return;
    ++wakeups_;
    for (int i = 0; i < n; ++i) {
        auto it = handlers_.find(events[i].data.fd);
        if (it == handlers_.end()) continue;  // unwatched by an earlier handler this round
        auto handler = it->second;            // keeps the handler alive if it unwatches itself
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

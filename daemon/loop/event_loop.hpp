#pragma once
// One thread, one loop: every source is a file descriptor watched by epoll. Timers are
// timerfds and signals a signalfd, so nothing wakes the process but what it asked for.
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "core/result.hpp"

namespace fabgate {

class EventLoop {
  public:
    using FdHandler = std::function<void(std::uint32_t events)>;
    using TimerHandler = std::function<void()>;
    using TimerId = std::uint64_t;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // events: EPOLLIN, EPOLLOUT, ... The handler may unwatch its own fd.
    Status watch(int fd, std::uint32_t events, FdHandler handler);
    Status modify(int fd, std::uint32_t events);
    void unwatch(int fd);

    // One-shot unless `interval` is non-zero. Returns 0 if no timerfd could be made.
    TimerId add_timer(std::chrono::milliseconds delay, TimerHandler handler,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(0));
    // Fires once, then frees its timerfd. For deferred work and retries.
    TimerId add_oneshot(std::chrono::milliseconds delay, TimerHandler handler);
    // Re-arms an existing timer (zero delay: disarm). Returns false for an unknown id.
    bool rearm(TimerId id, std::chrono::milliseconds delay);
    void cancel_timer(TimerId id);

    // Blocks `signo` for the process and delivers it through a signalfd.
    Status on_signal(int signo, std::function<void()> handler);

    // Runs until stop(). Returns the code given to stop().
    int run();
    // Runs one round of ready handlers, waiting at most timeout_ms (-1: forever).
    void run_once(int timeout_ms);
    void stop(int code = 0);
    bool stopping() const { return stopping_; }

    // Wake-ups counted for the idle benchmark: one per epoll_wait that returned events.
    std::uint64_t wakeups() const { return wakeups_; }

  private:
    struct Timer {
        int fd;
        TimerHandler handler;
        std::chrono::milliseconds interval;
    };
    int epoll_fd_ = -1;
    int signal_fd_ = -1;
    std::map<int, std::shared_ptr<FdHandler>> handlers_;
    std::map<TimerId, Timer> timers_;
    std::map<int, std::function<void()>> signal_handlers_;
    TimerId next_timer_ = 1;
    bool stopping_ = false;
    int exit_code_ = 0;
    std::uint64_t wakeups_ = 0;
};

}  // namespace fabgate

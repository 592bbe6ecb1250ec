#pragma once
// One thread, one loop: every source is a file descriptor watched by epoll. Timers are
// timerfds and signals a signalfd, so nothing wakes the process but what it asked for.
//
// Each watch gets its own token, carried in epoll_data.u64, never the raw fd: a handler that
// closes an fd and opens another with the same number in the same round cannot receive the
// old fd's pending event.
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "core/result.hpp"
#include "loop/unique_fd.hpp"

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

    // events: EPOLLIN, EPOLLOUT, ... The handler may unwatch its own fd. The caller keeps
    // owning the fd and unwatches it before closing it.
    Status watch(int fd, std::uint32_t events, FdHandler handler);
    Status modify(int fd, std::uint32_t events);
    void unwatch(int fd);

    // Timer delays: zero or negative means "due now" (the handler runs in the next round,
    // never inside the call), for add_timer, add_oneshot and arm alike. Only disarm() stops a
    // timer without freeing it.
    //
    // One-shot unless `interval` is non-zero. Returns 0 if no timerfd could be made: callers
    // whose correctness depends on the timer must treat 0 as an error.
    TimerId add_timer(std::chrono::milliseconds delay, TimerHandler handler,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(0));
    // Fires once, then frees its timerfd. For deferred work and retries. 0 on failure.
    TimerId add_oneshot(std::chrono::milliseconds delay, TimerHandler handler);
    // (Re)arms an existing timer to fire after `delay`, keeping its interval. False for an
    // unknown id.
    bool arm(TimerId id, std::chrono::milliseconds delay);
    // Stops a timer until the next arm(); it keeps its handler and fd. False for an unknown id.
    bool disarm(TimerId id);
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
    struct Watch {
        int fd;
        std::shared_ptr<FdHandler> handler;
    };
    struct Timer {
        UniqueFd fd;
        TimerHandler handler;
        std::chrono::milliseconds interval;
    };
    bool set_timer(int fd, std::chrono::milliseconds delay, std::chrono::milliseconds interval);

    UniqueFd epoll_fd_;
    UniqueFd signal_fd_;
    std::map<std::uint64_t, Watch> watches_;  // by token
    std::map<int, std::uint64_t> tokens_;     // fd -> token of its current watch
    std::uint64_t next_token_ = 1;
    std::map<TimerId, Timer> timers_;
    std::map<int, std::function<void()>> signal_handlers_;
    TimerId next_timer_ = 1;
    bool stopping_ = false;
    int exit_code_ = 0;
    std::uint64_t wakeups_ = 0;
};

}  // namespace fabgate

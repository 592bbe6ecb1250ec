#pragma once
// A daemon's life under systemd once it is built, the same for the gate and the ledger:
// SIGTERM and SIGINT stop it, SIGHUP reloads it, a peer that closes a socket must not kill it,
// and systemd hears "ready" only after a successful start, then is fed its watchdog until
// the loop ends.
#include <csignal>
#include <exception>
#include <functional>
#include <string>

#include "core/result.hpp"
#include "loop/event_loop.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"

namespace fabgate {

struct Service {
    std::string log_area;      // "gate", "ledger": where "cannot start" is logged
    std::string ready_status;  // what `systemctl status` shows once it runs
    std::function<Status()> start;
    std::function<void()> shutdown;
    std::function<void()> reload;
    std::function<void()> after_stop = {};  // optional: once the loop has ended after a start
};

// Runs a daemon's whole life, `body`; an exception escaping it (a bug, or a start-up condition
// that cannot be) is logged as fatal and ends the program with 70 (EX_SOFTWARE), after the
// objects built in `body` have been destroyed.
inline int run_guarded(const std::string& log_area, const std::function<int()>& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        log::error(log_area, std::string("fatal: ") + e.what());
        return 70;
    }
}

// The loop's exit code, or 1 when the start failed.
inline int run_service(EventLoop& loop, const Service& service) {
    (void)loop.on_signal(SIGTERM, service.shutdown);
    (void)loop.on_signal(SIGINT, service.shutdown);
    (void)loop.on_signal(SIGHUP, service.reload);
    std::signal(SIGPIPE, SIG_IGN);
    if (auto s = service.start(); !s) {
        log::error(service.log_area, "cannot start: " + s.error().message());
        return 1;
    }
    notify::ready(service.ready_status);
    notify::start_watchdog(loop);
    int code = loop.run();
    notify::stopping();
    if (service.after_stop) service.after_stop();
    return code;
}

}  // namespace fabgate

#include "sys/notify.hpp"

#include <chrono>
#include <string>

#ifdef FABGATE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fabgate::notify {
namespace {
void send(const std::string& text) {
#ifdef FABGATE_HAVE_SYSTEMD
    sd_notify(0, text.c_str());
#else
    (void)text;
#endif
}
}  // namespace

void ready(std::string_view status_text) {
    send(status_text.empty() ? "READY=1" : "READY=1\nSTATUS=" + std::string(status_text));
}
void status(std::string_view text) {
    send("STATUS=" + std::string(text));
}
void stopping() {
    send("STOPPING=1");
}

void start_watchdog(EventLoop& loop) {
#ifdef FABGATE_HAVE_SYSTEMD
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    auto period = std::chrono::milliseconds(usec / 2000);
    if (period.count() < 1) period = std::chrono::milliseconds(1);
    loop.add_timer(
        period, [] { sd_notify(0, "WATCHDOG=1"); }, period);
#else
    (void)loop;
#endif
}

}  // namespace fabgate::notify

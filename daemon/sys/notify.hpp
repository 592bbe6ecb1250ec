#pragma once
// systemd integration: READY=1 once hardware and journal are up, WATCHDOG=1 from the event
// loop (a hung loop stops feeding it and systemd restarts the daemon), STOPPING=1 on exit.
// Without NOTIFY_SOCKET (a terminal, a test) every call does nothing.
#include <string_view>

#include "loop/event_loop.hpp"

namespace fabgate::notify {

void ready(std::string_view status = {});
void status(std::string_view text);
void stopping();
// Feeds the watchdog at half the interval systemd asked for (WATCHDOG_USEC), if any.
void start_watchdog(EventLoop& loop);

}  // namespace fabgate::notify

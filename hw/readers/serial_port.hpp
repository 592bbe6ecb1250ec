#pragma once
// A serial tty in raw mode at any baud rate, opened non-blocking for the event loop.
#include <string>

#include "core/result.hpp"

namespace fabgate::readers {

// The fd, raw 8N1, no flow control; a read returns what has arrived, or EAGAIN.
Result<int> open_serial(const std::string& path, int baud);

// Rates termios has no Bxxx constant for, through termios2/BOTHER (kept in its own file:
// the kernel's termios headers clash with glibc's).
Status set_custom_baud(int fd, int baud);

}  // namespace fabgate::readers

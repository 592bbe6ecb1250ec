#include "sys/system_clock.hpp"

#include <sys/timex.h>
#include <time.h>

namespace fabgate {

MonoMs SystemClock::monotonic() const {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<MonoMs>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

WallTime SystemClock::wall() const {
    timex tx{};
    int state = adjtimex(&tx);
    WallTime w;
    w.unix_ms = static_cast<UnixMs>(tx.time.tv_sec) * 1000 + tx.time.tv_usec / 1000;
    if (tx.status & STA_NANO)
        w.unix_ms = static_cast<UnixMs>(tx.time.tv_sec) * 1000 + tx.time.tv_usec / 1'000'000;
    w.synchronised = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    return w;
}

}  // namespace fabgate

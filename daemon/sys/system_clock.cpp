#include "sys/system_clock.hpp"

#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

namespace fabgate {

MonoMs SystemClock::monotonic() const {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<MonoMs>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

WallTime SystemClock::wall() const {
    // The time itself never comes from adjtimex: under the units' seccomp filter that call
    // fails and leaves its struct zeroed, which once stamped every session 1970-01-01.
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    WallTime w;
    w.unix_ms = static_cast<UnixMs>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
    timex tx{};
    int state = adjtimex(&tx);
    if (state >= 0)
        w.synchronised = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    else
        w.synchronised = ::access(timesync_flag_.c_str(), F_OK) == 0;
    return w;
}

}  // namespace fabgate

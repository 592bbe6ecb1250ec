#include "loop_syncs.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace fabgate::bench {
namespace {

std::mutex mutex;
LoopSyncs counted;
std::atomic<bool> armed{false};
std::thread::id loop_thread;

long timed_sync(long number, int fd) {
    auto t0 = std::chrono::steady_clock::now();
    long result = ::syscall(number, fd);
    if (armed.load() && std::this_thread::get_id() == loop_thread) {
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
        std::lock_guard lock(mutex);
        ++counted.count;
        counted.total_ms += ms;
        if (ms > counted.max_ms) counted.max_ms = ms;
    }
    return result;
}

}  // namespace

void count_syncs_on_this_thread() {
    loop_thread = std::this_thread::get_id();
    armed = true;
}

LoopSyncs loop_syncs() {
    std::lock_guard lock(mutex);
    return counted;
}

}  // namespace fabgate::bench

extern "C" int fdatasync(int fd) {
    return static_cast<int>(fabgate::bench::timed_sync(SYS_fdatasync, fd));
}

extern "C" int fsync(int fd) {
    return static_cast<int>(fabgate::bench::timed_sync(SYS_fsync, fd));
}

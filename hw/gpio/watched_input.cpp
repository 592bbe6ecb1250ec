#include "gpio/watched_input.hpp"

#include <sys/epoll.h>

#include <utility>

namespace fabgate::gpio {
namespace {

// Kernel edge timestamps are CLOCK_MONOTONIC like the gate's clock; one further off than this
// comes from another clock (an old kernel's realtime stamps) and is replaced by "now".
constexpr MonoMs kPlausibleEventAgeMs = 10'000;

}  // namespace

Result<std::unique_ptr<InputPort>> request_watched(GpioBackend& backend, EventLoop& loop,
                                                   const InputLine& input, Edge edge,
                                                   const std::string& role,
                                                   std::function<void(std::uint32_t)> on_ready) {
    TRY_ASSIGN(auto port, backend.request_input(input, edge, role));
    TRY(loop.watch(port->fd(), EPOLLIN, std::move(on_ready)));
    return Result<std::unique_ptr<InputPort>>(std::move(port));
}

void release_watched(EventLoop& loop, std::unique_ptr<InputPort>& port) {
    if (!port) return;
    loop.unwatch(port->fd());
    port.reset();
}

bool acquire_watched(WatchedLine& line, Edge edge, GpioBackend& backend, EventLoop& loop,
                     LineSupervisor& lines, std::function<void(std::uint32_t)> on_ready) {
    auto port = request_watched(backend, loop, line.input, edge, line.role, std::move(on_ready));
    if (!port) {
        lines.mark_fault(line.role, port.error().message());
        return false;
    }
    line.port = std::move(*port);
    return true;
}

void check_still_held(WatchedLine& line, EventLoop& loop, LineSupervisor& lines) {
    if (!line.port) return;
    if (auto level = line.port->get(); !level) {
        release_watched(loop, line.port);
        lines.mark_fault(line.role, level.error().message());
    }
}

MonoMs edge_time(const Clock& clock, std::int64_t timestamp_ns) {
    MonoMs now = clock.monotonic();
    MonoMs t = timestamp_ns / 1'000'000;
    if (t > now || now - t > kPlausibleEventAgeMs) return now;
    return t;
}

}  // namespace fabgate::gpio

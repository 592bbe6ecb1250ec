#pragma once
// What the gate does alike with each of its groups of input lines (the debounced inputs of
// input_bank.hpp, the Wiegand data lines of wiegand_lines.hpp): every line requested with edge
// events and watched on the loop, re-requested while missing, read again after another line
// failed, released when lost. What the edges mean, and when something is due, is the group's own.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "gpio/gpio_lines.hpp"
#include "gpio/line_supervisor.hpp"
#include "gpio/watched_input.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

class InputGroup {
  public:
    // A subclass's destructor calls release_all(): its lines are gone by the time this one runs.
    virtual ~InputGroup() = default;
    InputGroup(const InputGroup&) = delete;
    InputGroup& operator=(const InputGroup&) = delete;

    // Requests every line not held; one that cannot be had is marked missing.
    void acquire_missing();
    // Does what the clock has made due.
    virtual void service(MonoMs now) = 0;
    virtual std::optional<MonoMs> next_deadline() const = 0;

    // Every held line read again; one that fails is released and marked missing.
    void check_held();
    // The group's line of this role, if it has one, released.
    void release(const std::string& role);
    void release_all();

  protected:
    // `lost` is told of a line that failed while read; `changed` of edges that moved a deadline.
    InputGroup(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines, const Clock& clock,
               Edge edge, LostLine lost, std::function<void()> changed);

    virtual std::size_t line_count() const = 0;
    virtual WatchedLine& line(std::size_t index) = 0;
    // The line is held and watched. The group clears its fault, once it has done what must come
    // first (an input reports its level, so the gate never sees a lid "closed" in between).
    virtual void acquired(std::size_t index) = 0;
    // The line's fd is ready (epoll `events`).
    virtual void ready(std::size_t index, std::uint32_t events) = 0;
    // release() let go of one of the group's lines.
    virtual void released_line() {}

    EventLoop& loop_;
    GpioBackend& backend_;
    LineSupervisor& lines_;
    const Clock& clock_;
    LostLine lost_;
    std::function<void()> changed_;

  private:
    Edge edge_;
};

}  // namespace fabgate::gpio

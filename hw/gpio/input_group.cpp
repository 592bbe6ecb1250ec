#include "gpio/input_group.hpp"

#include <utility>

namespace fabgate::gpio {

InputGroup::InputGroup(EventLoop& loop, GpioBackend& backend, LineSupervisor& lines,
                       const Clock& clock, Edge edge, LostLine lost, std::function<void()> changed)
    : loop_(loop),
      backend_(backend),
      lines_(lines),
      clock_(clock),
      lost_(std::move(lost)),
      changed_(std::move(changed)),
      edge_(edge) {}

void InputGroup::acquire_missing() {
    for (std::size_t index = 0; index < line_count(); ++index) {
        auto& watched = line(index);
        if (watched.port) continue;
        if (acquire_watched(watched, edge_, backend_, loop_, lines_,
                            [this, index](std::uint32_t events) { ready(index, events); }))
            acquired(index);
    }
}

void InputGroup::check_held() {
    for (std::size_t index = 0; index < line_count(); ++index)
        check_still_held(line(index), loop_, lines_);
}

void InputGroup::release(const std::string& role) {
    bool ours = false;
    for (std::size_t index = 0; index < line_count(); ++index) {
        auto& watched = line(index);
        if (watched.role != role) continue;
        release_watched(loop_, watched.port);
        ours = true;
    }
    if (ours) released_line();
}

void InputGroup::release_all() {
    for (std::size_t index = 0; index < line_count(); ++index)
        release_watched(loop_, line(index).port);
}

}  // namespace fabgate::gpio

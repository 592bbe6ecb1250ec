#pragma once
// Holds back what the hardware reports while the factory is still running, and hands it over
// on the loop's first round. The gate builds its state machine only after the factory returns,
// so an interlock found open at start, or a chip found missing, would otherwise be lost, and
// the gate would believe a lid closed that is open.
#include <functional>
#include <vector>

#include "core/ports.hpp"
#include "loop/event_loop.hpp"

namespace fabgate::gpio {

class DeferredEvents final : public HardwareEvents {
  public:
    DeferredEvents(EventLoop& loop, HardwareEvents& target);
    ~DeferredEvents() override;
    DeferredEvents(const DeferredEvents&) = delete;
    DeferredEvents& operator=(const DeferredEvents&) = delete;

    void badge_presented(const Uid& uid) override;
    void badge_removed() override;
    void input_changed(InputKind kind, std::string_view name, bool active) override;
    void device_fault(std::string_view device, bool faulted, std::string_view reason) override;

    // Hands over what was held and passes everything straight through from now on.
    void open();

  private:
    void deliver(std::function<void(HardwareEvents&)> event);

    EventLoop& loop_;
    HardwareEvents& target_;
    EventLoop::TimerId timer_ = 0;
    bool open_ = false;
    std::vector<std::function<void(HardwareEvents&)>> held_;
};

}  // namespace fabgate::gpio

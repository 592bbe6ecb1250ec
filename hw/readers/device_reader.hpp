#pragma once
// What every device-backed reader shares: a device that may be absent at start or vanish
// later (USB unplugged, SPI wiring) is reported once as a fault, retried on a loop timer, and
// reported back when it reopens. Never fatal: the gate keeps running with the relay off.
#include <chrono>
#include <string>

#include "core/ports.hpp"
#include "loop/event_loop.hpp"
#include "readers/badge_reader.hpp"

namespace fabgate::readers {

class DeviceReader : public BadgeReader {
  public:
    static constexpr std::string_view kDeviceName = "reader";

    ~DeviceReader() override;
    bool connected() const override { return connected_; }
    // First attempt to open; on failure the fault is reported and retries begin.
    void start();

  protected:
    DeviceReader(EventLoop& loop, HardwareEvents& events, std::string device,
                 std::chrono::milliseconds retry_interval);
    DeviceReader(const DeviceReader&) = delete;
    DeviceReader& operator=(const DeviceReader&) = delete;

    // Open the device and register it in the loop.
    virtual Status connect() = 0;
    // Unregister and close; forget partial input. Must be safe when not connected.
    virtual void disconnect() = 0;

    // The device failed while in use: close it, report, retry.
    void lost(const std::string& reason);
    std::string state_text() const { return connected_ ? "connected" : "retrying: " + last_error_; }

    EventLoop& loop_;
    HardwareEvents& events_;
    const std::string device_;

  private:
    void attempt();
    void schedule_retry();

    std::chrono::milliseconds retry_interval_;
    EventLoop::TimerId retry_timer_ = 0;
    bool connected_ = false;
    bool faulted_ = false;
    std::string last_error_;
};

}  // namespace fabgate::readers

#include "readers/device_reader.hpp"

#include "sys/log.hpp"

namespace fabgate::readers {

DeviceReader::DeviceReader(EventLoop& loop, HardwareEvents& events, std::string device,
                           std::chrono::milliseconds retry_interval)
    : loop_(loop), events_(events), device_(std::move(device)), retry_interval_(retry_interval) {}

DeviceReader::~DeviceReader() {
    if (retry_timer_ != 0) loop_.cancel_timer(retry_timer_);
}

void DeviceReader::start() {
    attempt();
}

void DeviceReader::attempt() {
    auto status = connect();
    if (status) {
        connected_ = true;
        last_error_.clear();
        log::info("reader", "opened " + device_);
        if (faulted_) {
            faulted_ = false;
            events_.device_fault(kDeviceName, false, "");
        }
        return;
    }
    disconnect();
    bool first = !faulted_ || last_error_ != status.error().message();
    last_error_ = status.error().message();
    // Retries fail the same way every 2 s: log and report only what changes.
    if (first) log::warning("reader", last_error_ + "; retrying");
    if (!faulted_) {
        faulted_ = true;
        events_.device_fault(kDeviceName, true, last_error_);
    }
    schedule_retry();
}

void DeviceReader::lost(const std::string& reason) {
    disconnect();
    connected_ = false;
    last_error_ = device_ + ": " + reason;
    log::warning("reader", "lost " + last_error_);
    if (!faulted_) {
        faulted_ = true;
        events_.device_fault(kDeviceName, true, last_error_);
    }
    schedule_retry();
}

void DeviceReader::schedule_retry() {
    if (retry_timer_ == 0) {
        retry_timer_ = loop_.add_timer(retry_interval_, [this] { attempt(); });
        if (retry_timer_ == 0)
            log::error("reader", "cannot create a retry timer; " + device_ + " stays closed");
        return;
    }
    loop_.arm(retry_timer_, retry_interval_);
}

}  // namespace fabgate::readers

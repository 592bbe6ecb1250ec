#include "readers/evdev_reader.hpp"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/log.hpp"

namespace fabgate::readers {

Status EvdevReader::grab_exclusively(int fd) {
    if (ioctl(fd, EVIOCGRAB, 1) != 0)
        return fail("evdev", std::string("EVIOCGRAB: ") + std::strerror(errno));
    return {};
}

EvdevReader::EvdevReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                         const Clock& clock, std::chrono::milliseconds retry_interval, Grab grab)
    : StreamDeviceReader(loop, events, config.device, retry_interval, 64 * sizeof(input_event)),
      grab_(std::move(grab)),
      decoder_(UidTextFormat::from(config)),
      presence_(loop, events, clock, config.repeat_suppress_ms) {}

EvdevReader::~EvdevReader() {
    disconnect();
}

Status EvdevReader::connect() {
    int fd = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(device_, std::string("cannot open: ") + std::strerror(errno));
    if (grab_) {
        // Without the grab the reader still works; its digits just also reach a console.
        if (auto s = grab_(fd); !s)
            log::debug("reader", device_ + ": not grabbed (" + s.error().message() + ")");
    }
    return watch(fd);
}

void EvdevReader::forget_partial_input() {
    pending_.clear();
    decoder_.reset();
}

void EvdevReader::consume(std::span<const std::uint8_t> bytes) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    std::size_t whole = pending_.size() / sizeof(input_event) * sizeof(input_event);
    auto before = decoder_.drops().total();
    for (std::size_t offset = 0; offset < whole; offset += sizeof(input_event)) {
        input_event ev{};
        std::memcpy(&ev, pending_.data() + offset, sizeof ev);
        if (auto uid = decoder_.feed(KeyEvent{ev.type, ev.code, ev.value}))
            presence_.sighting(*uid);
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(whole));
    if (decoder_.drops().total() != before)
        log::debug("reader", "dropped a bad key entry from " + device_);
}

std::string EvdevReader::describe() const {
    return "evdev keyboard reader on " + device_ + " (" + state_text() + ")";
}

DropCounts EvdevReader::drop_counts() const {
    DropCounts counts;
    decoder_.add_drop_counts(counts);
    return counts;
}

}  // namespace fabgate::readers

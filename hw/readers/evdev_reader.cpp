#include "readers/evdev_reader.hpp"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
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
    : DeviceReader(loop, events, config.device, retry_interval),
      config_(config),
      grab_(std::move(grab)),
      decoder_(UidTextFormat::from(config)),
      presence_(loop, events, clock, config.repeat_suppress_ms) {}

EvdevReader::~EvdevReader() {
    disconnect();
}

Status EvdevReader::connect() {
    fd_ = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) return fail(device_, std::string("cannot open: ") + std::strerror(errno));
    if (grab_) {
        // Without the grab the reader still works; its digits just also reach a console.
        if (auto s = grab_(fd_); !s)
            log::debug("reader", device_ + ": not grabbed (" + s.error().message() + ")");
    }
    return loop_.watch(fd_, EPOLLIN, [this](std::uint32_t ev) { on_readable(ev); });
}

void EvdevReader::disconnect() {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    ::close(fd_);  // closing releases the grab
    fd_ = -1;
    pending_.clear();
    decoder_.reset();
}

void EvdevReader::on_readable(std::uint32_t events) {
    std::array<std::uint8_t, 64 * sizeof(input_event)> buffer{};
    for (;;) {
        ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (n > 0) {
            pending_.insert(pending_.end(), buffer.begin(), buffer.begin() + n);
            decode_records();
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        // ENODEV when the USB reader is unplugged; 0 when the writer of a FIFO went away.
        lost(n == 0 ? "end of file" : std::strerror(errno));
        return;
    }
    if (events & (EPOLLHUP | EPOLLERR)) lost("hung up");
}

void EvdevReader::decode_records() {
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

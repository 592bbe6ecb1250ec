#include "readers/stream_device_reader.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fabgate::readers {

StreamDeviceReader::StreamDeviceReader(EventLoop& loop, HardwareEvents& events, std::string device,
                                       std::chrono::milliseconds retry_interval,
                                       std::size_t read_chunk)
    : DeviceReader(loop, events, std::move(device), retry_interval), buffer_(read_chunk) {}

StreamDeviceReader::~StreamDeviceReader() {
    // The subclass has gone, so its partial input with it; only the descriptor is left.
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    ::close(fd_);
}

Status StreamDeviceReader::watch(int fd) {
    fd_ = fd;
    return loop_.watch(fd_, EPOLLIN, [this](std::uint32_t ev) { on_readable(ev); });
}

void StreamDeviceReader::disconnect() {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    ::close(fd_);  // for evdev, closing also releases the grab
    fd_ = -1;
    forget_partial_input();
}

void StreamDeviceReader::on_readable(std::uint32_t events) {
    for (;;) {
        ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
        if (n > 0) {
            consume(std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n)));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        // 0: a tty hung up (USB adapter unplugged) or a FIFO's writer went away; ENODEV, EIO
        // and the like: the device itself is gone.
        lost(n == 0 ? "end of file" : std::strerror(errno));
        return;
    }
    if (events & (EPOLLHUP | EPOLLERR)) lost("hung up");
}

}  // namespace fabgate::readers

#include "readers/evdev_reader.hpp"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/log.hpp"

namespace fabgate::readers {

std::vector<Uid> EvdevRecordDecoder::feed(std::span<const std::uint8_t> bytes) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    std::size_t whole = pending_.size() / sizeof(input_event) * sizeof(input_event);
    std::vector<Uid> uids;
    for (std::size_t offset = 0; offset < whole; offset += sizeof(input_event)) {
        input_event ev{};
        std::memcpy(&ev, pending_.data() + offset, sizeof ev);
        if (auto uid = keys_.feed(KeyEvent{ev.type, ev.code, ev.value}))
            uids.push_back(std::move(*uid));
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(whole));
    return uids;
}

void EvdevRecordDecoder::reset() {
    pending_.clear();
    keys_.reset();
}

Status EvdevReader::grab_exclusively(int fd) {
    if (ioctl(fd, EVIOCGRAB, 1) == 0) return {};
    const int error = errno;
    const std::string reason = std::string("EVIOCGRAB: ") + std::strerror(error);
    // The kernel gives every key of a grabbed device to the grabbing program alone: without
    // the grab this reader would look connected and never see a badge.
    if (error == EBUSY) return fail("", "grabbed by another program (" + reason + ")");
    // Any other failure (not an input device): the reader still works; its digits just also
    // reach a console.
    log::debug("reader", "not grabbed (" + reason + ")");
    return {};
}

EvdevReader::EvdevReader(const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
                         const Clock& clock, std::chrono::milliseconds retry_interval, Grab grab)
    : DecodingStreamReader(config, loop, events, clock, retry_interval, 64 * sizeof(input_event),
                           EvdevRecordDecoder(UidTextFormat::from(config)), "bad key entry(s)"),
      grab_(std::move(grab)) {}

Status EvdevReader::connect() {
    int fd = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(device_, std::string("cannot open: ") + std::strerror(errno));
    if (grab_) {
        if (auto s = grab_(fd); !s) {
            ::close(fd);
            return fail(device_, s.error().message());
        }
    }
    return watch(fd);
}

std::string EvdevReader::describe() const {
    return "evdev keyboard reader on " + device_ + " (" + state_text() + ")";
}

}  // namespace fabgate::readers

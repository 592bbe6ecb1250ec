#include "readers/serial_port.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fabgate::readers {
namespace {

speed_t standard_speed(int baud) {
    switch (baud) {
        case 1200:
            return B1200;
        case 2400:
            return B2400;
        case 4800:
            return B4800;
        case 9600:
            return B9600;
        case 19200:
            return B19200;
        case 38400:
            return B38400;
        case 57600:
            return B57600;
        case 115200:
            return B115200;
        case 230400:
            return B230400;
        case 460800:
            return B460800;
        case 500000:
            return B500000;
        case 576000:
            return B576000;
        case 921600:
            return B921600;
        case 1000000:
            return B1000000;
        case 1152000:
            return B1152000;
        case 1500000:
            return B1500000;
        case 2000000:
            return B2000000;
        case 2500000:
            return B2500000;
        case 3000000:
            return B3000000;
        case 3500000:
            return B3500000;
        case 4000000:
            return B4000000;
        default:
            return B0;
    }
}

}  // namespace

Result<int> open_serial(const std::string& path, int baud) {
    int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(path, std::string("cannot open: ") + std::strerror(errno));
    termios tio{};
    if (tcgetattr(fd, &tio) != 0) {
        int e = errno;
        ::close(fd);
        return fail(path, std::string("not a serial port: ") + std::strerror(e));
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;  // ignore modem lines: readers have no carrier detect
    tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | CRTSCTS);
    tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
    // VMIN 1: with O_NONBLOCK an empty tty reads as EAGAIN, so a read of 0 means hang-up.
    // (VMIN 0 would read 0 whenever no byte is waiting.)
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    speed_t speed = standard_speed(baud);
    if (speed != B0) cfsetspeed(&tio, speed);
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        int e = errno;
        ::close(fd);
        return fail(path, std::string("cannot configure: ") + std::strerror(e));
    }
    if (speed == B0) {
        if (auto s = set_custom_baud(fd, baud); !s) {
            ::close(fd);
            return tl::unexpected(Error{path, s.error().message()});
        }
    }
    tcflush(fd, TCIFLUSH);  // bytes from before we listened are half frames at best
    return fd;
}

}  // namespace fabgate::readers

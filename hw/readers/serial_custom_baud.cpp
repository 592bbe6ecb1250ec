// Only kernel headers here: <asm/termbits.h> and glibc's <termios.h> define the same names.
#include <asm/ioctls.h>
#include <asm/termbits.h>

#include <cerrno>
#include <cstring>

#include "readers/serial_port.hpp"

extern "C" int ioctl(int fd, unsigned long request, ...);

namespace fabgate::readers {

Status set_custom_baud(int fd, int baud) {
    struct termios2 tio {};
    if (ioctl(fd, TCGETS2, &tio) != 0)
        return fail("serial", std::string("cannot read termios2: ") + std::strerror(errno));
    tio.c_cflag &= ~static_cast<tcflag_t>(CBAUD);
    tio.c_cflag |= BOTHER;
    tio.c_ispeed = static_cast<speed_t>(baud);
    tio.c_ospeed = static_cast<speed_t>(baud);
    if (ioctl(fd, TCSETS2, &tio) != 0)
        return fail("serial",
                    "baud " + std::to_string(baud) + " not supported: " + std::strerror(errno));
    return {};
}

}  // namespace fabgate::readers

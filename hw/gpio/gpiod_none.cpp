// A build without libgpiod (FABGATE_GPIOD_API=0): simulated hardware only.
#include "gpio/gpio_lines.hpp"

namespace fabgate::gpio {

Result<std::unique_ptr<GpioBackend>> open_gpiod_backend() {
    return fail(
        "hardware.kind",
        "gpio hardware needs libgpiod, and this fabgate was built without it "
        "(FABGATE_GPIOD_API=0); install libgpiod-dev and rebuild, or use \"kind\": \"sim\"");
}

}  // namespace fabgate::gpio

#include "gpio/gate_hardware.hpp"

#ifdef FABGPIO_HAVE_READERS
#include "readers/reader_factory.hpp"
#endif

namespace fabgate {

gpio::ReaderOpener default_reader_opener() {
#ifdef FABGPIO_HAVE_READERS
    return
        [](const ReaderConfig& config, EventLoop& loop, HardwareEvents& events,
           const Clock& clock) { return readers::open_badge_reader(config, loop, events, clock); };
#else
    return {};
#endif
}

Result<std::unique_ptr<Outputs>> open_gpio_hardware(const HardwareConfig& config, EventLoop& loop,
                                                    HardwareEvents& events, const Clock& clock) {
    TRY_ASSIGN(auto backend, gpio::open_gpiod_backend());
    gpio::GpioOptions options;
    options.open_reader = default_reader_opener();
    TRY_ASSIGN(auto gate, open_gpio_hardware(config, loop, events, clock, std::move(backend),
                                             std::move(options)));
    return std::unique_ptr<Outputs>(std::move(gate));
}

Result<std::unique_ptr<gpio::GpioGate>> open_gpio_hardware(
    const HardwareConfig& config, EventLoop& loop, HardwareEvents& events, const Clock& clock,
    std::unique_ptr<gpio::GpioBackend> backend, gpio::GpioOptions options) {
    if (config.kind != HardwareKind::Gpio) return fail("hardware.kind", "is not \"gpio\"");
    if (!backend) return fail("hardware.kind", "no GPIO backend");
    auto gate = std::make_unique<gpio::GpioGate>(config, loop, events, clock, std::move(backend),
                                                 std::move(options));
    TRY(gate->start());
    return gate;
}

}  // namespace fabgate

#pragma once
// `fabgate --probe`: what an installer needs to fill in a gate config. GPIO chips with their
// labels and lines (names, offsets, who uses them), input devices by id (USB badge readers),
// serial ports (RDM6300 and line readers) and SPI devices (MFRC522).
#include <string>

#include "gpio/gpio_lines.hpp"

namespace fabgate {

std::string probe_report();
// Under another /dev and with a given GPIO backend (nullptr: none), for tests.
std::string probe_report(const std::string& dev_dir, gpio::GpioBackend* backend);

}  // namespace fabgate

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fake_gpio.hpp"
#include "gpio/probe.hpp"

namespace fs = std::filesystem;

TEST_CASE("the probe lists GPIO chips, input devices by id, serial ports and SPI devices") {
    char tmpl[] = "/tmp/fabgpio-probe-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    fs::path dev(tmpl);
    fs::create_directories(dev / "input" / "by-id");
    fs::create_symlink("../event3", dev / "input" / "by-id" / "usb-Sycreader_USB_Reader-event-kbd");
    for (const char* name : {"ttyAMA0", "ttyUSB0", "spidev0.0", "spidev0.1", "null", "gpiochip0"})
        std::ofstream(dev / name).put('\n');
    fs::create_symlink("ttyAMA0", dev / "serial0");

    auto world = std::make_shared<fabgate::gpio::testing::FakeWorld>();
    fabgate::gpio::testing::FakeBackend backend(world);
    auto report = fabgate::probe_report(dev.string(), &backend);
    CHECK(report.find("fakechip [fake]") != std::string::npos);
    CHECK(report.find("usb-Sycreader_USB_Reader-event-kbd -> ../event3") != std::string::npos);
    CHECK(report.find("serial0 -> ttyAMA0") != std::string::npos);
    CHECK(report.find("ttyUSB0") != std::string::npos);
    CHECK(report.find("spidev0.1") != std::string::npos);
    CHECK(report.find("/null") == std::string::npos);

    auto empty = fabgate::probe_report((dev / "input").string(), nullptr);
    CHECK(empty.find("this build has no libgpiod") != std::string::npos);
    CHECK(empty.find("enable SPI") != std::string::npos);
    fs::remove_all(dev);
}

// A gate's journal sits on an SD card in a public room, and a 125 kHz UID is enough to clone a
// badge: the real readers name a badge by its hash tag, never by its UID, at any log level
// (docs/privacy.md).
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "adapter_test_support.hpp"
#include "captured_stderr.hpp"
#include "readers/presence_reporter.hpp"
#include "readers/spi_mfrc522_reader.hpp"
#include "simulated_mfrc522.hpp"
#include "sys/log.hpp"

using namespace fabgate;
using namespace fabgate::readers;
using namespace std::chrono_literals;
using fabgate::readers::test::RecordingEvents;
using fabgate::readers::test::run_until;
using fabgate::readers::test::SimulatedMfrc522;

namespace {

// Runs `body` with every log level written; returns what the log received.
template <typename Body>
std::string everything_logged(Body body) {
    log::set_threshold(log::Level::Debug);
    auto out = fabgate::test::captured_stderr(body);
    log::set_threshold(log::Level::Info);
    return out;
}

}  // namespace

TEST_CASE("RDM6300 and USB-HID readers log a badge by its tag, never by its UID") {
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    PresenceReporter reporter(loop, events, clock, 500);
    auto uid = Uid::parse("62E3086CED");
    REQUIRE(uid);
    auto logged = everything_logged([&] { reporter.sighting(*uid); });
    REQUIRE(events.presented == std::vector<std::string>{"62E3086CED"});
    CHECK(logged.find("62E3086CED") == std::string::npos);
    // What a manager gets from `printf 62E3086CED | sha256sum | cut -c1-8`.
    CHECK(logged.find("reader: badge uid#a4f8cc9a") != std::string::npos);
}

TEST_CASE("the MFRC522 reader logs a badge by its tag, never by its UID") {
    EventLoop loop;
    RecordingEvents events;
    ReaderConfig config;
    config.type = ReaderType::Mfrc522;
    config.device = "/dev/spidev-sim";
    config.poll_ms = 20;
    SpiMfrc522Reader reader(config, loop, events, 1000ms, [](const ReaderConfig&) {
        auto chip = std::make_unique<SimulatedMfrc522>();
        chip->insert({{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}});
        return Result<std::unique_ptr<Mfrc522Bus>>(std::move(chip));
    });
    bool presented = false;
    auto logged = everything_logged([&] {
        reader.start();
        presented = run_until(loop, [&] { return !events.presented.empty(); });
    });
    REQUIRE(presented);
    CHECK(logged.find("MFRC522 version 0x92") != std::string::npos);
    CHECK(logged.find("04112233445566") == std::string::npos);
    CHECK(logged.find("reader: badge uid#23fb3d1b") != std::string::npos);
}

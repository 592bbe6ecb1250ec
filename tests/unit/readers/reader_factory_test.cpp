#include <doctest/doctest.h>

#include <memory>

#include "adapter_test_support.hpp"
#include "readers/reader_factory.hpp"
#include "simulated_mfrc522.hpp"

using namespace fabgate;
using namespace fabgate::readers;
using fabgate::readers::test::RecordingEvents;
using fabgate::readers::test::run_until;
using fabgate::readers::test::SimulatedMfrc522;

namespace {

// Lets the adapter own "its" bus while the test keeps the simulated chip.
class SharedBus final : public Mfrc522Bus {
  public:
    explicit SharedBus(SimulatedMfrc522& chip) : chip_(chip) {}
    Result<std::uint8_t> read(std::uint8_t r) override { return chip_.read(r); }
    Status write(std::uint8_t r, std::uint8_t v) override { return chip_.write(r, v); }

  private:
    SimulatedMfrc522& chip_;
};

}  // namespace

TEST_CASE("factory: wiegand and sim readers are built elsewhere and say so") {
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Wiegand;
    auto w = open_badge_reader(config, loop, events, clock);
    REQUIRE_FALSE(w.has_value());
    CHECK(w.error().message().find("wiegand") != std::string::npos);
    config.type = ReaderType::Sim;
    auto s = open_badge_reader(config, loop, events, clock);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().message().find("simulat") != std::string::npos);
    CHECK(events.faults.empty());
}

TEST_CASE("factory: a device-backed reader without a device path is a configuration error") {
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Evdev;
    CHECK_FALSE(open_badge_reader(config, loop, events, clock).has_value());
}

TEST_CASE("factory: an absent spidev device starts in fault instead of failing") {
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Mfrc522;
    config.device = "/nonexistent/spidev0.0";
    auto reader = open_badge_reader(config, loop, events, clock);
    REQUIRE(reader.has_value());
    CHECK_FALSE((*reader)->connected());
    REQUIRE(events.faults.size() == 1);
    CHECK(events.faults[0].faulted);
    CHECK(events.faults[0].reason.find("spidev0.0") != std::string::npos);
}

TEST_CASE("mfrc522 adapter: polls a simulated card from the loop, reports removal and bus loss") {
    SimulatedMfrc522 chip;
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Mfrc522;
    config.device = "/dev/spidev0.0";
    config.poll_ms = 20;
    ReaderRuntimeOptions options;
    options.retry_interval = std::chrono::milliseconds(20);
    options.mfrc522_bus = [&](const ReaderConfig&) -> Result<std::unique_ptr<Mfrc522Bus>> {
        return std::make_unique<SharedBus>(chip);
    };
    auto reader = open_badge_reader(config, loop, events, clock, options);
    REQUIRE(reader.has_value());
    REQUIRE((*reader)->connected());

    chip.insert({{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}});
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
    CHECK(events.presented == std::vector<std::string>{"04112233445566"});
    // Left on the reader for several polls: still one presentation, no removal.
    REQUIRE(run_until(loop, [&] { return chip.wakeups >= 6; }));
    CHECK(events.presented.size() == 1);
    CHECK(events.removed == 0);

    chip.remove();
    REQUIRE(run_until(loop, [&] { return events.removed == 1; }));

    // SPI fails: fault; comes back: cleared, and the chip is set up again (antenna on).
    chip.insert({{0x04, 0xA1, 0xB2, 0xC3}});
    REQUIRE(run_until(loop, [&] { return events.presented.size() == 2; }));
    chip.bus_broken = true;
    REQUIRE(run_until(loop, [&] { return events.faulted(); }));
    CHECK(events.removed == 2);  // the card in the field can no longer be vouched for
    chip.bus_broken = false;
    REQUIRE(run_until(loop, [&] { return !events.faulted(); }));
    REQUIRE(run_until(loop, [&] { return events.presented.size() == 3; }));
    CHECK(events.presented[2] == "04A1B2C3");
}

// The MFRC522 adapter on the loop, over a simulated chip: a card read never holds the loop
// while the chip is busy with an exchange.
#include <doctest/doctest.h>

#include "adapter_test_support.hpp"
#include "readers/spi_mfrc522_reader.hpp"
#include "simulated_mfrc522.hpp"

using namespace fabgate;
using namespace fabgate::readers;
using namespace std::chrono_literals;
using fabgate::readers::test::RecordingEvents;
using fabgate::readers::test::run_until;
using fabgate::readers::test::SimulatedMfrc522;

namespace {

struct AdapterRig {
    EventLoop loop;
    RecordingEvents events;
    SimulatedMfrc522* chip = nullptr;
    std::unique_ptr<SpiMfrc522Reader> reader;

    // Each exchange takes `exchange_time` of chip time, as the real chip's 5 ms timer does
    // when nobody answers.
    AdapterRig(std::chrono::milliseconds exchange_time, std::vector<std::uint8_t> card_uid) {
        ReaderConfig config;
        config.type = ReaderType::Mfrc522;
        config.device = "/dev/spidev-sim";
        config.poll_ms = 20;
        reader = std::make_unique<SpiMfrc522Reader>(
            config, loop, events, 1000ms, [this, exchange_time, card_uid](const ReaderConfig&) {
                auto sim = std::make_unique<SimulatedMfrc522>();
                sim->exchange_time = exchange_time;
                if (!card_uid.empty()) sim->insert({card_uid});
                chip = sim.get();
                return Result<std::unique_ptr<Mfrc522Bus>>(std::move(sim));
            });
        reader->start();
        REQUIRE(reader->connected());
    }
};

}  // namespace

TEST_CASE("mfrc522 adapter: the loop turns while a card is read, and the read completes") {
    AdapterRig rig(5ms, {0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66});
    // Another handler on the same loop, as the interlock's would be: count the times it runs
    // while the chip is in the middle of an exchange.
    int ran_mid_exchange = 0;
    auto other = rig.loop.add_timer(
        1ms, [&] { ran_mid_exchange += rig.chip->exchange_on_air(); }, 1ms);
    REQUIRE(other);
    REQUIRE(run_until(rig.loop, [&] { return !rig.events.presented.empty(); }));
    CHECK(rig.events.presented == std::vector<std::string>{"04112233445566"});
    CHECK(ran_mid_exchange > 0);
    // A check every millisecond, not a busy poll: a handful of ComIrqReg reads per exchange.
    CHECK(rig.chip->irq_reads < rig.chip->transceives * 12);
    rig.loop.cancel_timer(other);
}

TEST_CASE("mfrc522 adapter: a chip whose exchange never ends is lost, retried, not waited on") {
    AdapterRig rig(1h, {});
    REQUIRE(run_until(rig.loop, [&] { return rig.events.faulted(); }));
    CHECK(rig.events.faults.back().reason.find("never finished") != std::string::npos);
    CHECK_FALSE(rig.reader->connected());
}

TEST_CASE("mfrc522 adapter: one disturbed transfer neither loses the reader nor the card") {
    // With "session_end": "card_present" a lost reader or a removed card ends the member's job:
    // a single spike on the SPI wires (the relay switching beside them) must do neither.
    AdapterRig rig(1ms, {0x04, 0x11, 0x22, 0x33});
    REQUIRE(run_until(rig.loop, [&] { return !rig.events.presented.empty(); }));
    rig.chip->version_glitches = 1;
    const int halts_before = rig.chip->halts;
    // The card is read again, twice, after the glitch.
    REQUIRE(run_until(rig.loop, [&] {
        return rig.chip->version_glitches == 0 && rig.chip->halts >= halts_before + 2;
    }));
    CHECK(rig.events.faults.empty());
    CHECK(rig.events.removed == 0);
    CHECK(rig.events.presented.size() == 1);
    CHECK(rig.reader->connected());

    // A chip that keeps failing is lost as before, and the card with it.
    rig.chip->version_glitches = 1000;
    REQUIRE(run_until(rig.loop, [&] { return rig.events.faulted(); }));
    CHECK(rig.events.removed == 1);
}

TEST_CASE("mfrc522 adapter: drop counts survive the chip being lost and reconnected") {
    AdapterRig rig(1ms, {});
    rig.chip->insert({{0x11, 0x22, 0x33, 0x44}, 0x08, true});
    auto bcc_drops = [&] { return rig.reader->drop_counts()["mfrc522.bcc"]; };
    REQUIRE(run_until(rig.loop, [&] { return bcc_drops() > 0; }));
    const auto dropped = bcc_drops();
    rig.chip->bus_broken = true;
    REQUIRE(run_until(rig.loop, [&] { return !rig.reader->connected(); }));
    CHECK(bcc_drops() == dropped);
    REQUIRE(run_until(rig.loop, [&] { return rig.reader->connected(); }));
    CHECK(bcc_drops() == dropped);
}

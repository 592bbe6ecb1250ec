#include <doctest/doctest.h>

#include "readers/iso14443a.hpp"
#include "readers/mfrc522_reader.hpp"
#include "reported_drops.hpp"
#include "simulated_mfrc522.hpp"

using fabgate::readers::Mfrc522Reader;
using Drop = Mfrc522Reader::Drop;
using fabgate::readers::test::SimulatedMfrc522;
namespace a = fabgate::readers::iso14443a;
namespace reg = fabgate::readers::mfrc522;

namespace {

const std::vector<std::uint8_t> kSingle{0x04, 0xA1, 0xB2, 0xC3};
const std::vector<std::uint8_t> kDouble{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
const std::vector<std::uint8_t> kTriple{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};

struct Rig {
    SimulatedMfrc522 chip;
    Mfrc522Reader reader{chip};
    Rig() { REQUIRE(reader.init()); }
    Mfrc522Reader::PollEvents poll() {
        auto events = reader.poll();
        REQUIRE(events.has_value());
        return *events;
    }
};

}  // namespace

TEST_CASE("iso14443a: CRC_A matches the standard's HLTA frame 50 00 57 CD") {
    const std::uint8_t hlta[] = {0x50, 0x00};
    CHECK(a::crc_a(hlta) == 0xCD57);
    const std::uint8_t zeros[] = {0x00, 0x00};
    CHECK(a::crc_a(zeros) == 0x1EA0);
}

TEST_CASE("mfrc522: init programs the timer, 100% ASK, CRC preset and turns the antenna on") {
    SimulatedMfrc522 chip;
    Mfrc522Reader reader(chip);
    REQUIRE(reader.init());
    CHECK(reader.version() == 0x92);
    CHECK(chip.reg(reg::kTModeReg) == 0x80);
    CHECK(chip.reg(reg::kTPrescalerReg) == 0xA9);
    CHECK((chip.reg(reg::kTReloadRegH) << 8 | chip.reg(reg::kTReloadRegL)) == 200);
    CHECK(chip.reg(reg::kTxAskReg) == 0x40);
    CHECK(chip.reg(reg::kModeReg) == 0x3D);
    CHECK((chip.reg(reg::kTxControlReg) & 0x03) == 0x03);
}

TEST_CASE("mfrc522: init fails when no chip answers or the bus fails") {
    SimulatedMfrc522 chip;
    chip.version = 0xFF;  // MISO floating high: nothing connected
    Mfrc522Reader reader(chip);
    CHECK_FALSE(reader.init());
    chip.version = 0x92;
    chip.bus_broken = true;
    CHECK_FALSE(reader.init());
}

TEST_CASE("mfrc522: single, double and triple size uids through the cascade levels") {
    struct Case {
        std::vector<std::uint8_t> uid;
        const char* hex;
    };
    for (const auto& c : {Case{kSingle, "04A1B2C3"}, Case{kDouble, "04112233445566"},
                          Case{kTriple, "04112233445566778899"}}) {
        CAPTURE(c.hex);
        Rig rig;
        rig.chip.insert({c.uid});
        auto events = rig.poll();
        REQUIRE(events.presented.has_value());
        CHECK(events.presented->hex() == c.hex);
        CHECK_FALSE(events.removed);
        // The driver halts the card after reading it.
        CHECK(rig.chip.card_state() == SimulatedMfrc522::CardState::Halt);
    }
}

TEST_CASE("mfrc522: an empty field gives nothing, and costs one WUPA (one timeout) per poll") {
    Rig rig;
    for (int i = 0; i < 5; ++i) {
        auto events = rig.poll();
        CHECK_FALSE(events.presented.has_value());
        CHECK_FALSE(events.removed);
    }
    CHECK(rig.chip.transceives == 5);
}

TEST_CASE(
    "mfrc522: a card left on the reader stays present (halted cards answer WUPA), one "
    "presentation") {
    Rig rig;
    rig.chip.insert({kDouble});
    REQUIRE(rig.poll().presented.has_value());
    for (int i = 0; i < 20; ++i) {
        auto events = rig.poll();
        CHECK_FALSE(events.presented.has_value());
        CHECK_FALSE(events.removed);
    }
    CHECK(rig.reader.present().has_value());
}

TEST_CASE("mfrc522: a card that missed its halt (still ACTIVE) is woken by the second WUPA") {
    Rig rig;
    rig.chip.insert({kSingle, 0x08, false, true});
    REQUIRE(rig.poll().presented.has_value());
    for (int i = 0; i < 5; ++i) {
        auto events = rig.poll();
        CHECK_FALSE(events.presented.has_value());
        CHECK_FALSE(events.removed);
    }
}

TEST_CASE("mfrc522: removing the card is reported after the miss limit, once") {
    Rig rig;
    rig.chip.insert({kSingle});
    REQUIRE(rig.poll().presented.has_value());
    rig.chip.remove();
    CHECK_FALSE(rig.poll().removed);  // one missed poll at the edge of the field is not a removal
    CHECK(rig.poll().removed);
    CHECK_FALSE(rig.poll().removed);
    // Put back: a new presentation.
    rig.chip.insert({kSingle});
    auto back = rig.poll();
    REQUIRE(back.presented.has_value());
    CHECK(back.presented->hex() == "04A1B2C3");
}

TEST_CASE("mfrc522: a single missed poll does not end the presentation") {
    Rig rig;
    rig.chip.insert({kSingle});
    REQUIRE(rig.poll().presented.has_value());
    rig.chip.remove();
    rig.poll();
    rig.chip.insert({kSingle});
    auto events = rig.poll();
    CHECK_FALSE(events.presented.has_value());
    CHECK_FALSE(events.removed);
}

TEST_CASE("mfrc522: a different card replacing the first between polls") {
    Rig rig;
    rig.chip.insert({kSingle});
    REQUIRE(rig.poll().presented.has_value());
    rig.chip.insert({kTriple});
    auto events = rig.poll();
    CHECK(events.removed);
    REQUIRE(events.presented.has_value());
    CHECK(events.presented->hex() == "04112233445566778899");
}

TEST_CASE("mfrc522: a corrupted BCC is dropped and counted, never a wrong uid") {
    for (const auto& uid : {kSingle, kDouble, kTriple}) {
        Rig rig;
        rig.chip.insert({uid, 0x08, true});
        for (int i = 0; i < 3; ++i) {
            auto events = rig.poll();
            CHECK_FALSE(events.presented.has_value());
            CHECK_FALSE(events.removed);
        }
        CHECK(rig.reader.drops()[Drop::Bcc] == 3);
    }
}

TEST_CASE("mfrc522: a garbled read keeps a present card present") {
    Rig rig;
    rig.chip.insert({kSingle});
    REQUIRE(rig.poll().presented.has_value());
    rig.chip.insert({kSingle, 0x08, true});
    for (int i = 0; i < 4; ++i) CHECK_FALSE(rig.poll().removed);
    CHECK(rig.reader.present().has_value());
}

TEST_CASE("mfrc522: two cards colliding are counted, not read") {
    Rig rig;
    rig.chip.insert({kSingle});
    rig.chip.collision = true;
    auto events = rig.poll();
    CHECK_FALSE(events.presented.has_value());
    CHECK(rig.reader.drops()[Drop::Collision] == 1);
}

TEST_CASE("mfrc522: a bus failure or a chip that stops answering is an error, not 'no card'") {
    Rig rig;
    rig.chip.bus_broken = true;
    CHECK_FALSE(rig.reader.poll().has_value());
    rig.chip.bus_broken = false;
    rig.chip.version = 0x00;
    CHECK_FALSE(rig.reader.poll().has_value());
}

TEST_CASE("mfrc522: each dropped answer is reported under its reason's name") {
    // What is in front of the antenna.
    struct Field {
        SimulatedMfrc522::Card card;
        bool second_card_collides = false;
    };
    const fabgate::test::DroppedInput<Field> cases[] = {
        {"two cards answer anticollision at once", {{.uid = kSingle}, true}, "mfrc522.collision=1"},
        {"a wrong uid check byte", {{.uid = kSingle, .corrupt_bcc = true}}, "mfrc522.bcc=1"},
        {"a wrong CRC_A after the SAK",
         {{.uid = kSingle, .corrupt_sak_crc = true}},
         "mfrc522.crc=1"},
        {"a parity error in the uid",
         {{.uid = kSingle, .parity_error = true}},
         "mfrc522.garbled=1"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        Rig rig;
        rig.chip.insert(c.input.card);
        rig.chip.collision = c.input.second_card_collides;
        CHECK_FALSE(rig.poll().presented.has_value());
        CHECK(fabgate::test::reported_drops(rig.reader.drops()) == c.reported);
    }
}

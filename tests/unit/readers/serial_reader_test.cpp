#include <doctest/doctest.h>
#include <pty.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "adapter_test_support.hpp"
#include "readers/reader_factory.hpp"
#include "readers/serial_port.hpp"

using namespace fabgate;
using namespace fabgate::readers;
using fabgate::readers::test::RecordingEvents;
using fabgate::readers::test::run_until;
using fabgate::readers::test::ScratchDir;

namespace {

// A pseudo-terminal standing in for the reader's serial port. The reader opens a symlink to
// the pty's slave, so a test can "replug" the reader by pointing the link at a new pty.
struct FakeSerialDevice {
    int master = -1;
    int slave = -1;
    std::string slave_name;

    FakeSerialDevice() {
        char name[256] = {};
        REQUIRE(openpty(&master, &slave, name, nullptr, nullptr) == 0);
        slave_name = name;
    }
    ~FakeSerialDevice() { unplug(); }
    void unplug() {
        if (master >= 0) ::close(master);
        if (slave >= 0) ::close(slave);
        master = slave = -1;
    }
    void send(std::string_view bytes) const {
        REQUIRE(::write(master, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    void link_as(const std::string& path) const {
        std::filesystem::remove(path);
        std::filesystem::create_symlink(slave_name, path);
    }
};

const std::string kFrame =
    "\x02"
    "62E3086CED08"
    "\x03";

ReaderRuntimeOptions fast_retry() {
    ReaderRuntimeOptions o;
    o.retry_interval = std::chrono::milliseconds(20);
    return o;
}

}  // namespace

TEST_CASE("serial adapter: RDM6300 bytes through a pty become one badge presentation") {
    ScratchDir dir;
    FakeSerialDevice tty;
    tty.link_as(dir.file("ttyRDM"));
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Rdm6300;
    config.device = dir.file("ttyRDM");
    auto reader = open_badge_reader(config, loop, events, clock, fast_retry());
    REQUIRE(reader.has_value());
    REQUIRE((*reader)->connected());
    CHECK(events.faults.empty());

    // Split across writes, with noise in front, as a serial line delivers it.
    tty.send("\xff\x7f");
    tty.send(kFrame.substr(0, 5));
    loop.run_once(10);
    tty.send(kFrame.substr(5));
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
    CHECK(events.presented == std::vector<std::string>{"62E3086CED"});

    // The reader repeats while the card stays: still one presentation. The corrupted frame
    // after the repeats is counted, not reported, and tells the test the repeats were read.
    clock.advance(200);
    tty.send(kFrame + kFrame +
             "\x02"
             "62E3086CED09"
             "\x03");
    REQUIRE(run_until(loop, [&] { return (*reader)->drop_counts()["rdm6300.bad_checksum"] == 1; }));
    CHECK(events.presented.size() == 1);
    CHECK(events.removed == 0);
    CHECK((*reader)->describe().find("rdm6300 on") != std::string::npos);
}

TEST_CASE("serial adapter: line mode, lsb-first decimal reader") {
    ScratchDir dir;
    FakeSerialDevice tty;
    tty.link_as(dir.file("ttyLINE"));
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Line;
    config.device = dir.file("ttyLINE");
    config.baud = 115200;
    config.uid_format = UidFormat::Decimal;
    config.byte_order = ByteOrder::LsbFirst;
    config.repeat_suppress_ms = 50;
    auto reader = open_badge_reader(config, loop, events, clock, fast_retry());
    REQUIRE(reader.has_value());
    tty.send("0077705923\r\n");
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
    CHECK(events.presented == std::vector<std::string>{"C3B2A104"});

    // No more lines for longer than the window: the card left.
    CHECK(events.removed == 0);
    clock.advance(51);
    REQUIRE(run_until(loop, [&] { return events.removed == 1; }));
    CHECK(events.presented.size() == 1);
}

TEST_CASE("serial adapter: a pty closed mid-stream is a device fault, and recovery is reported") {
    ScratchDir dir;
    auto link = dir.file("ttyUSB0");
    auto tty = std::make_unique<FakeSerialDevice>();
    tty->link_as(link);
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Rdm6300;
    config.device = link;
    auto reader = open_badge_reader(config, loop, events, clock, fast_retry());
    REQUIRE(reader.has_value());

    tty->send(kFrame.substr(0, 7));  // half a frame, then the adapter is unplugged
    loop.run_once(10);
    tty->unplug();
    REQUIRE(run_until(loop, [&] { return events.faulted(); }));
    CHECK(events.faults.size() == 1);
    CHECK(events.faults[0].device == "reader");
    CHECK_FALSE((*reader)->connected());
    CHECK((*reader)->describe().find("retrying") != std::string::npos);

    // Plugged back in (a new pty behind the same path): fault cleared, reads work again.
    FakeSerialDevice replugged;
    replugged.link_as(link);
    REQUIRE(run_until(loop, [&] { return !events.faulted(); }));
    CHECK(events.faults.size() == 2);
    CHECK(events.faults[1].reason.empty());
    CHECK((*reader)->connected());
    // The half frame from before the unplug must not combine with new bytes.
    replugged.send(kFrame.substr(7) + kFrame);
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
    CHECK(events.presented == std::vector<std::string>{"62E3086CED"});
}

TEST_CASE("serial adapter: a missing device at start is a fault, not a failure; it is retried") {
    ScratchDir dir;
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderConfig config;
    config.type = ReaderType::Rdm6300;
    config.device = dir.file("ttyAMA0");
    auto reader = open_badge_reader(config, loop, events, clock, fast_retry());
    REQUIRE(reader.has_value());
    REQUIRE(events.faults.size() == 1);
    CHECK(events.faults[0].faulted);
    CHECK(events.faults[0].reason.find("ttyAMA0") != std::string::npos);

    // Several failed retries report nothing new.
    for (int i = 0; i < 5; ++i) loop.run_once(30);
    CHECK(events.faults.size() == 1);

    FakeSerialDevice tty;
    tty.link_as(config.device);
    REQUIRE(run_until(loop, [&] { return !events.faulted(); }));
    tty.send(kFrame);
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
}

TEST_CASE("serial port: a rate without a Bxxx constant is set through termios2") {
    FakeSerialDevice tty;
    auto fd = open_serial(tty.slave_name, 250000);
    if (!fd && fd.error().what.find("cannot read termios2") != std::string::npos) {
        // qemu user-mode (the arm64 stage) does not emulate TCGETS2; a Pi's kernel does.
        MESSAGE("termios2 is not available here (" << fd.error().what << "): case not applicable");
        return;
    }
    REQUIRE(fd.has_value());
    ::close(*fd);
    CHECK_FALSE(open_serial("/dev/null", 9600).has_value());  // not a tty
}

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "adapter_test_support.hpp"
#include "readers/reader_factory.hpp"

using namespace fabgate;
using namespace fabgate::readers;
using fabgate::readers::test::RecordingEvents;
using fabgate::readers::test::run_until;
using fabgate::readers::test::ScratchDir;

namespace {

// What the kernel delivers when a keyboard reader types `codes`, then Enter.
std::vector<std::uint8_t> typed_keys(const std::vector<std::uint16_t>& codes) {
    std::vector<input_event> events;
    auto add = [&](std::uint16_t type, std::uint16_t code, std::int32_t value) {
        input_event e{};
        e.type = type;
        e.code = code;
        e.value = value;
        events.push_back(e);
    };
    auto key = [&](std::uint16_t code) {
        add(EV_MSC, MSC_SCAN, 0x70000 + code);
        add(EV_KEY, code, 1);
        add(EV_SYN, SYN_REPORT, 0);
        add(EV_KEY, code, 0);
        add(EV_SYN, SYN_REPORT, 0);
    };
    for (auto code : codes) key(code);
    key(KEY_ENTER);
    std::vector<std::uint8_t> bytes(events.size() * sizeof(input_event));
    std::memcpy(bytes.data(), events.data(), bytes.size());
    return bytes;
}

// A recorded keyboard-reader stream: what the kernel delivers for "0077705923" + Enter.
std::vector<std::uint8_t> recorded_stream(std::string_view digits) {
    std::vector<std::uint16_t> codes;
    for (char c : digits)
        codes.push_back(static_cast<std::uint16_t>(c == '0' ? KEY_0 : KEY_1 + (c - '1')));
    return typed_keys(codes);
}

void write_all(int fd, const std::uint8_t* data, std::size_t size) {
    REQUIRE(::write(fd, data, size) == static_cast<ssize_t>(size));
}

ReaderConfig decimal_reader(const std::string& device) {
    ReaderConfig config;
    config.type = ReaderType::Evdev;
    config.device = device;
    config.uid_format = UidFormat::Decimal;
    return config;
}

// A keyboard reader's device node, stood in for by a FIFO, and all that the reader reports to.
struct FifoKeyboard {
    FifoKeyboard() {
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        options.retry_interval = std::chrono::milliseconds(20);
    }
    Result<std::unique_ptr<BadgeReader>> open_reader() {
        return open_badge_reader(decimal_reader(fifo), loop, events, clock, options);
    }

    ScratchDir dir;
    std::string fifo = dir.file("event-kbd");
    EventLoop loop;
    RecordingEvents events;
    FakeClock clock;
    ReaderRuntimeOptions options;
};

}  // namespace

TEST_CASE_FIXTURE(
    FifoKeyboard,
    "evdev adapter: a recorded event stream through a FIFO; EVIOCGRAB failing is tolerated") {
    // The default grab (EVIOCGRAB) fails on a FIFO: the reader must still work.
    auto reader = open_reader();
    REQUIRE(reader.has_value());
    REQUIRE((*reader)->connected());
    CHECK(events.faults.empty());

    int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(writer >= 0);
    auto stream = recorded_stream("0077705923");
    // Cut inside a record: the adapter must keep the partial record for the next read.
    std::size_t cut = sizeof(input_event) * 7 + 5;
    write_all(writer, stream.data(), cut);
    loop.run_once(10);
    write_all(writer, stream.data() + cut, stream.size() - cut);
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
    CHECK(events.presented == std::vector<std::string>{"04A1B2C3"});

    // The reader unplugged (writer gone): fault; the FIFO reopens on retry: recovered.
    ::close(writer);
    REQUIRE(run_until(loop, [&] { return events.faulted(); }));
    REQUIRE(run_until(loop, [&] { return !events.faults.empty() && !events.faulted(); }));
    CHECK(events.faults.size() == 2);

    writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(writer >= 0);
    clock.advance(10'000);  // a new presentation, long after the first
    stream = recorded_stream("0000000001");
    write_all(writer, stream.data(), stream.size());
    REQUIRE(run_until(loop, [&] { return events.presented.size() == 2; }));
    CHECK(events.presented[1] == "00000001");
    ::close(writer);
}

TEST_CASE_FIXTURE(FifoKeyboard, "evdev adapter: the grab is injectable and used on open") {
    int grabbed = 0;
    options.evdev_grab = [&](int) -> Status {
        ++grabbed;
        return {};
    };
    auto reader = open_reader();
    REQUIRE(reader.has_value());
    CHECK(grabbed == 1);
}

TEST_CASE_FIXTURE(
    FifoKeyboard,
    "evdev adapter: a reader another program has grabbed is a fault until it is free") {
    // The kernel gives every key of a grabbed device to the grabbing program alone: a reader
    // that ran on without the grab would show "connected" and never see a badge.
    bool held_elsewhere = true;
    options.evdev_grab = [&](int) -> Status {
        if (held_elsewhere)
            return fail("evdev", "grabbed by another program (EVIOCGRAB: Device or resource busy)");
        return {};
    };
    auto reader = open_reader();
    REQUIRE(reader.has_value());
    CHECK_FALSE((*reader)->connected());
    REQUIRE(events.faulted());
    CHECK(events.faults.back().reason.find("grabbed by another program") != std::string::npos);

    held_elsewhere = false;
    REQUIRE(run_until(loop, [&] { return !events.faulted(); }));
    CHECK((*reader)->connected());
}

TEST_CASE_FIXTURE(
    FifoKeyboard,
    "evdev adapter: a bad entry is counted; half a record from a lost device is forgotten") {
    auto reader = open_reader();
    REQUIRE(reader.has_value());

    int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(writer >= 0);
    auto garbage = typed_keys({KEY_Q});  // no UID has a Q in it
    write_all(writer, garbage.data(), garbage.size());
    REQUIRE(run_until(loop, [&] { return (*reader)->drop_counts()["evdev.garbage_key"] == 1; }));
    CHECK(events.presented.empty());

    // Unplugged within a record: its first bytes must not be taken for the next device's.
    auto stream = recorded_stream("0000000001");
    write_all(writer, stream.data(), 5);
    loop.run_once(10);
    ::close(writer);
    REQUIRE(run_until(loop, [&] { return events.faulted(); }));
    REQUIRE(run_until(loop, [&] { return !events.faulted(); }));

    writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(writer >= 0);
    write_all(writer, stream.data(), stream.size());
    REQUIRE(run_until(loop, [&] { return !events.presented.empty(); }));
    CHECK(events.presented == std::vector<std::string>{"00000001"});
    ::close(writer);
}

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "adapter_test_support.hpp"
#include "readers/stream_device_reader.hpp"

using namespace fabgate;
using namespace fabgate::readers;
using namespace fabgate::readers::test;

namespace {

// Keeps every byte it is given, and counts how often its partial input was thrown away.
class RecordingStreamReader final : public StreamDeviceReader {
  public:
    static constexpr std::size_t kReadChunk = 4;  // smaller than a write, so one write takes reads

    RecordingStreamReader(EventLoop& loop, HardwareEvents& events, std::string path)
        : StreamDeviceReader(loop, events, std::move(path), std::chrono::milliseconds(20),
                             kReadChunk) {}
    ~RecordingStreamReader() override { disconnect(); }

    std::string describe() const override { return "recording reader (" + state_text() + ")"; }
    DropCounts drop_counts() const override { return {}; }

    std::string received;
    int forgotten = 0;

  private:
    Status connect() override {
        int fd = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return fail(device_, "cannot open");
        return watch(fd);
    }
    void consume(std::span<const std::uint8_t> bytes) override {
        received.append(bytes.begin(), bytes.end());
    }
    void forget_partial_input() override { ++forgotten; }
};

}  // namespace

TEST_CASE("stream reader: every byte arrives in order; end of file is a lost device, retried") {
    ScratchDir dir;
    auto path = dir.file("stream");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    int writer_read_end = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // lets the writer open
    int writer = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(writer >= 0);
    ::close(writer_read_end);

    EventLoop loop;
    RecordingEvents events;
    RecordingStreamReader reader(loop, events, path);
    reader.start();
    REQUIRE(reader.connected());

    std::string sent = "0123456789abcdef";  // four reads of kReadChunk
    REQUIRE(::write(writer, sent.data(), sent.size()) == static_cast<ssize_t>(sent.size()));
    REQUIRE(run_until(loop, [&] { return reader.received.size() == sent.size(); }));
    CHECK(reader.received == sent);
    CHECK(events.faults.empty());
    CHECK(reader.forgotten == 0);

    ::close(writer);  // the device goes away
    REQUIRE(run_until(loop, [&] { return events.faulted(); }));
    CHECK_FALSE(reader.connected());
    CHECK(reader.forgotten == 1);
    CHECK(events.faults.back().reason.find("end of file") != std::string::npos);

    // A new writer: the retry reopens the device and the fault is cleared.
    int reopen_read_end = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    int again = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    REQUIRE(again >= 0);
    REQUIRE(run_until(loop, [&] { return !events.faulted(); }));
    CHECK(reader.connected());
    ::close(reopen_read_end);
    ::close(again);
}

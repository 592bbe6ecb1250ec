// `fabgate --relay-off` and the daemon's first step: the machine is switched off from whatever
// the config still says about its relay, even when the config as a whole does not validate.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "fake_gpio.hpp"
#include "gpio/relay_lines.hpp"
#include "gpio/relay_off.hpp"

using namespace fabgate;
using namespace fabgate::gpio;
using namespace fabgate::gpio::testing;

namespace {

// A gate whose active-low relay module is on GPIO17 and exhaust fan on line 27.
const char* const kValid = R"({
  "site": "lab", "machine": "laser-1",
  "hardware": {"kind": "gpio", "reader": {"type": "sim"},
               "outputs": {"relay": {"line": "GPIO17", "active_low": true},
                           "after_run": {"line": 27}}}})";

struct Rig {
    std::shared_ptr<FakeWorld> world = std::make_shared<FakeWorld>();
    int backends_opened = 0;

    RelayOffReport run(std::string_view text, std::string_view driven = {}) {
        return relay_off_from_config(
            text,
            [this]() -> Result<std::unique_ptr<GpioBackend>> {
                ++backends_opened;
                return std::unique_ptr<GpioBackend>(std::make_unique<FakeBackend>(world));
            },
            driven);
    }
    // The relay is left ON by a daemon that died: the line is released at its last level.
    void relay_left_on() {
        auto& relay = world->line("gpiochip0:GPIO17");
        relay.level = true;
        relay.active_low = true;
    }
    const FakeLine& relay() { return world->line("gpiochip0:GPIO17"); }
    const FakeLine& after_run() { return world->line("gpiochip0:27"); }
};

// The daemon's runtime directory ($RUNTIME_DIRECTORY under systemd).
struct RuntimeDir {
    std::string path;
    RuntimeDir() {
        char tmpl[] = "/tmp/fabgate-run-XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        path = tmpl;
    }
    ~RuntimeDir() { std::filesystem::remove_all(path); }
};

// The daemon started on `config` and recorded the outputs it drives, as it does at start.
std::string recorded_at_start(const RuntimeDir& dir, std::string_view config) {
    auto started = find_relay_lines(config);
    REQUIRE(started.notes.empty());
    REQUIRE(record_driven_outputs(dir.path, started.relay, started.after_run));
    auto record = read_driven_outputs(dir.path);
    REQUIRE(record);
    REQUIRE_FALSE(record->empty());
    return *record;
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
    text.replace(text.find(from), from.size(), to);
    return text;
}

bool mentions(const std::vector<std::string>& notes, std::string_view text) {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("relay-off drives an active-low relay and the after-run output off, then releases") {
    Rig rig;
    rig.relay_left_on();
    auto report = rig.run(kValid);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK(exit_code(report) == 0);
    CHECK(report.notes.empty());
    // Logically off, requested active-low: the kernel puts the pin high, the module's off.
    CHECK_FALSE(rig.relay().level);
    CHECK(rig.relay().active_low);
    CHECK(rig.relay().writes == std::vector<bool>{false, false});
    CHECK_FALSE(rig.relay().requested);  // released: the daemon can claim it next
    CHECK_FALSE(rig.after_run().level);
    CHECK_FALSE(rig.after_run().requested);
    REQUIRE(report.switched.size() == 2);
    CHECK(report.switched[0].rfind("relay ", 0) == 0);  // the relay first
}

TEST_CASE("a config with a bad field elsewhere still gets its relay switched off, field named") {
    Rig rig;
    rig.relay_left_on();
    std::string text = kValid;
    text.insert(text.find("\"hardware\""), R"("policy": {"idle_timeout_s": "soon"}, )");
    auto report = rig.run(text);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK(exit_code(report) == 0);
    CHECK_FALSE(rig.relay().level);
    CHECK(mentions(report.notes, "policy.idle_timeout_s"));
}

TEST_CASE("a bad field in the hardware section beside the relay does not stop relay-off") {
    Rig rig;
    rig.relay_left_on();
    std::string text = kValid;
    text.replace(text.find(R"("type": "sim")"), 13, R"("type": "rfid-9000")");
    text.insert(text.find("\"after_run\""), R"("led_ready": {"line": -3}, )");
    auto report = rig.run(text);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK_FALSE(rig.relay().level);
    CHECK_FALSE(rig.after_run().level);
    CHECK(mentions(report.notes, "hardware.reader.type"));
    CHECK(mentions(report.notes, "hardware.outputs.led_ready"));
}

TEST_CASE("a config that is not even JSON still gets its relay switched off") {
    Rig rig;
    rig.relay_left_on();
    std::string text = kValid;
    text.insert(text.find("\"hardware\""), R"("broker": {"host": "x",,}, )");
    auto report = rig.run(text);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK_FALSE(rig.relay().level);
    CHECK(rig.relay().active_low);
    CHECK_FALSE(rig.after_run().level);
    CHECK(mentions(report.notes, "not valid JSON"));
}

TEST_CASE("an unreadable active_low is not guessed: nothing is driven, and it says so") {
    // Guessing false would drive an active-low module's input low: relay ON.
    Rig rig;
    rig.relay_left_on();
    std::string text = kValid;
    text.replace(text.find("\"active_low\": true"), 18, R"("active_low": "yes")");
    auto report = rig.run(text);
    CHECK(report.verdict == RelayOffVerdict::NoRelayLine);
    CHECK(exit_code(report) != 0);
    CHECK(mentions(report.notes, "hardware.outputs.relay.active_low"));
    CHECK(rig.relay().writes.empty());
}

TEST_CASE("a gpio config without a relay line says so and fails") {
    Rig rig;
    auto report = rig.run(R"({"hardware": {"kind": "gpio", "outputs": {}}})");
    CHECK(report.verdict == RelayOffVerdict::NoRelayLine);
    CHECK(exit_code(report) != 0);
    CHECK(mentions(report.notes, "hardware.outputs.relay"));
    CHECK(rig.backends_opened == 0);
    auto garbage = rig.run("this is not a config");
    CHECK(garbage.verdict == RelayOffVerdict::NoRelayLine);
    CHECK(exit_code(garbage) != 0);
}

TEST_CASE("simulated hardware: relay-off is a no-op that succeeds") {
    Rig rig;
    auto report = rig.run(R"({"site": "demo", "machine": "m", "hardware": {"kind": "sim"}})");
    CHECK(report.verdict == RelayOffVerdict::Simulated);
    CHECK(exit_code(report) == 0);
    CHECK(rig.backends_opened == 0);
    CHECK(rig.run(R"({"site": "demo", "machine": "m"})").verdict == RelayOffVerdict::Simulated);
    CHECK(rig.run(R"({"hardware": {"kind": "sim"}, "bogus": 1})").verdict ==
          RelayOffVerdict::Simulated);
}

TEST_CASE("a relay line held by another program fails relay-off, naming the relay") {
    Rig rig;
    rig.world->busy_lines.insert("gpiochip0:GPIO17");
    auto report = rig.run(kValid);
    CHECK(report.verdict == RelayOffVerdict::Failed);
    CHECK(exit_code(report) != 0);
    REQUIRE_FALSE(report.errors.empty());
    CHECK(report.errors[0].where == "hardware.outputs.relay");
    CHECK_FALSE(rig.after_run().level);  // what could be switched off was
}

TEST_CASE("a missing GPIO chip fails relay-off with the chip named") {
    Rig rig;
    rig.world->chips.clear();
    auto report = rig.run(kValid);
    CHECK(report.verdict == RelayOffVerdict::Failed);
    REQUIRE_FALSE(report.errors.empty());
    CHECK(report.errors[0].message().find("gpiochip0") != std::string::npos);
}

TEST_CASE(
    "relay-off switches off the relay line the killed daemon drove, though the config now "
    "names another") {
    Rig rig;
    RuntimeDir run;
    auto record = recorded_at_start(run, kValid);
    rig.relay_left_on();  // the daemon drove GPIO17 on, then hung and was killed
    // Meanwhile the admin moved the relay to GPIO22 in gate.json, for the next start.
    auto edited = replaced(kValid, "GPIO17", "GPIO22");
    auto report = rig.run(edited, record);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK(exit_code(report) == 0);
    CHECK_FALSE(rig.relay().level);  // the line that was on: the machine is off
    CHECK(rig.relay().active_low);
    CHECK_FALSE(rig.relay().requested);
    CHECK(rig.world->line("gpiochip0:GPIO22").writes == std::vector<bool>{false, false});
    CHECK_FALSE(rig.after_run().level);
    CHECK(rig.after_run().writes == std::vector<bool>{false, false});  // named twice, driven once
    CHECK(report.switched.size() == 3);
}

TEST_CASE("relay-off switches the recorded lines off even when the config now says sim") {
    Rig rig;
    RuntimeDir run;
    auto record = recorded_at_start(run, kValid);
    rig.relay_left_on();
    auto report =
        rig.run(R"({"site": "demo", "machine": "m", "hardware": {"kind": "sim"}})", record);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK_FALSE(rig.relay().level);
    CHECK(rig.relay().writes == std::vector<bool>{false, false});
}

TEST_CASE(
    "without a record (not under systemd, or nothing driven yet) relay-off reads the "
    "config alone") {
    RuntimeDir run;
    auto none = read_driven_outputs(run.path);
    REQUIRE(none);
    CHECK(none->empty());
    Rig rig;
    rig.relay_left_on();
    auto report = rig.run(kValid, *none);
    CHECK(report.verdict == RelayOffVerdict::Done);
    CHECK(report.switched.size() == 2);
    CHECK_FALSE(rig.relay().level);
}

TEST_CASE("a record that is not a regular file is refused, not followed") {
    RuntimeDir run;
    std::filesystem::create_symlink("/etc/passwd", run.path + "/" + kDrivenOutputsFile);
    CHECK_FALSE(read_driven_outputs(run.path));
}

// What the daemons do with bad input given to them at start, run as the real programs: what an
// admin sees in a terminal or in `systemctl status`. Every run has a deadline, so a program that
// blocks fails its test (and is killed) instead of hanging the suite.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace fabgate;

namespace {

struct Run {
    int code;  // -1: still running at the deadline
    std::string output;
};

Run run(const test::TempDir& dir, std::vector<std::string> argv) {
    static int runs = 0;
    test::ChildProcess child(std::move(argv), dir.file("run-" + std::to_string(++runs) + ".log"));
    int code = child.wait(std::chrono::seconds(10));
    return {code, child.log()};
}

bool has(const Run& r, const std::string& text) {
    return r.output.find(text) != std::string::npos;
}

// A valid gate config: the embedded demo's, as fabgate prints it.
std::string gate_config(const test::TempDir& dir) {
    auto printed = run(dir, {FABGATE_BIN, "--print-default-config"});
    REQUIRE(printed.code == 0);
    auto path = dir.file("gate.json");
    std::ofstream(path) << printed.output;
    return path;
}

std::string ledger_config(const test::TempDir& dir, const std::string& extra = {}) {
    auto path = dir.file("ledger.json");
    std::ofstream(path) << R"({"database": ")" << dir.file("ledger.db")
                        << R"(", "broker": {"host": "127.0.0.1", "port": )" << test::free_tcp_port()
                        << "}" << extra << "}";
    return path;
}

}  // namespace

TEST_CASE("an unknown time_zone in the ledger config is refused by --check-config and at start") {
    // Billing periods are cut in this zone: a misspelt one must stop the admin who checks the
    // config, not the billing job at the end of the month.
    test::TempDir dir;
    auto config = ledger_config(dir, R"(, "time_zone": "Europe/Pariss")");
    auto check = run(dir, {FABLEDGER_BIN, "--check-config", config});
    CHECK(check.code == 1);
    CHECK(has(check, "time_zone"));
    CHECK(has(check, "'Europe/Pariss'"));
    auto start = run(dir, {FABLEDGER_BIN, "--config", config});
    CHECK(start.code == 1);
    CHECK(has(start, "'Europe/Pariss'"));

    auto good = run(dir, {FABLEDGER_BIN, "--check-config",
                          ledger_config(dir, R"(, "time_zone": "Europe/Paris")")});
    CHECK(good.code == 0);
}

TEST_CASE("--broker-port is a decimal number for fabgate and fabledger, never octal or hex") {
    // CLI11 read 0100 as octal 64: the daemon dialled another port than the one typed.
    test::TempDir dir;
    const std::vector<std::pair<std::string, std::string>> programs = {
        {FABGATE_BIN, gate_config(dir)}, {FABLEDGER_BIN, ledger_config(dir)}};
    for (const auto& entry : programs) {
        // Named, not a structured binding: clang 14 lets no lambda (CAPTURE's) capture one.
        const std::string& program = entry.first;
        const std::string& config = entry.second;
        CAPTURE(program);
        auto hex = run(dir, {program, "--broker-port", "0x10", "--check-config", config});
        CHECK(hex.code != 0);
        CHECK(has(hex, "--broker-port"));
        CHECK(has(hex, "'0x10' is not a whole number in decimal digits"));
        // 070000 is 28672 in octal, an acceptable port; in decimal it is out of range.
        auto octal = run(dir, {program, "--broker-port", "070000", "--check-config", config});
        CHECK(octal.code != 0);
        CHECK(has(octal, "--broker-port"));
        CHECK(has(octal, "70000"));
        auto leading_zero = run(dir, {program, "--broker-port", "0100", "--check-config", config});
        CHECK(leading_zero.code == 0);
    }
}

TEST_CASE("a FIFO given as a config file is refused at once, naming it, by all three daemons") {
    // Opening a FIFO waits for a writer: --check-config and the start hung with no word.
    test::TempDir dir;
    auto fifo = dir.file("config.fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::vector<std::vector<std::string>> runs = {
        {FABGATE_BIN, "--check-config", fifo},   {FABGATE_BIN, "--config", fifo},
        {FABLEDGER_BIN, "--check-config", fifo}, {FABLEDGER_BIN, "--config", fifo},
        {FABWEB_BIN, "--config", fifo},
    };
    for (const auto& argv : runs) {
        CAPTURE(argv[0]);
        CAPTURE(argv[1]);
        auto r = run(dir, argv);
        CHECK(r.code == 1);
        CHECK(has(r, fifo + ": is not a regular file"));
    }
}

TEST_CASE("a FIFO given as the ledger's signing key file is refused at start, naming it") {
    test::TempDir dir;
    auto fifo = dir.file("acl-signing.key");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto config = ledger_config(dir, R"(, "acl_signing_key_file": ")" + fifo + R"(")");
    auto start = run(dir, {FABLEDGER_BIN, "--config", config});
    CHECK(start.code == 1);
    CHECK(has(start, fifo + ": is not a regular file"));
}

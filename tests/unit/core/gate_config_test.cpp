#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/access.hpp"
#include "core/gate_config.hpp"
#include "core/json_reader.hpp"

using namespace fabgate;

namespace {
std::vector<std::string> problems(std::string_view text) {
    auto cfg = load_gate_config_text(text);
    std::vector<std::string> out;
    if (!cfg)
        for (const auto& e : cfg.error()) out.push_back(e.message());
    return out;
}
}  // namespace

TEST_CASE("the embedded demo config is valid") {
    auto cfg = load_gate_config_text(embedded_demo_config());
    REQUIRE(cfg);
    CHECK(cfg->machine == "printer-1");
    CHECK(cfg->policy.has_busy_input);
    CHECK(cfg->hardware.interlocks.size() == 1);
    CHECK(cfg->broker.client_id == "fabgate-demo-printer-1");
}

TEST_CASE("unknown keys are errors that name the field") {
    auto p = problems(R"({"site":"s","machine":"m","polcy":{}, "policy":{"idle_timout_s":5}})");
    REQUIRE(p.size() == 2);
    CHECK(p[0] == "policy.idle_timout_s: is not a known setting");
    CHECK(p[1] == "polcy: is not a known setting");
}

TEST_CASE("every problem is reported, each with its field and reason") {
    auto p = problems(R"({"machine":"laser 1","broker":{"port":70000},
        "hardware":{"kind":"gpio","reader":{"type":"rdm6300"},"outputs":{"relay":{"line":-3}}}})");
    auto has = [&](const std::string& s) { return std::find(p.begin(), p.end(), s) != p.end(); };
    CHECK(has("site: is required"));
    CHECK(has("machine: use letters, digits, '-' and '_' only (it is part of MQTT topics)"));
    CHECK(has("broker.port: is 70000, must be from 1 to 65535"));
    CHECK(has("hardware.reader.device: is required"));
    CHECK(
        has("hardware.outputs.relay.line: must be a line offset (0 to 4095) or a line name such as "
            "\"GPIO17\""));
}

TEST_CASE("policies that need a busy input say so") {
    auto p = problems(
        R"({"site":"s","machine":"m","policy":{"idle_timeout_s":600,"keep_power_while_busy":true}})");
    REQUIRE(p.size() == 2);
    CHECK(p[0].rfind("policy.idle_timeout_s: needs hardware.inputs.busy", 0) == 0);
    CHECK(p[1] == "policy.keep_power_while_busy: needs hardware.inputs.busy");
}

TEST_CASE("a config that is not JSON, or too large, is refused") {
    CHECK(problems("{").at(0).rfind("config: is not valid JSON: line 1, column 2: ", 0) == 0);
    std::string huge(2 << 20, ' ');
    CHECK(problems(huge).at(0).find("more than the limit") != std::string::npos);
}

TEST_CASE("a config path naming an endless file is refused after a bounded read, naming it") {
    // Read whole before its size was checked, /dev/zero filled the memory and never returned.
    // A device is not even opened now; a huge regular file (a disk image) is still read bounded.
    auto cfg = load_gate_config_file("/dev/zero");
    REQUIRE(!cfg);
    CHECK(cfg.error().at(0).message() ==
          "/dev/zero: is not a regular file (a character device); refusing to read it (is it the "
          "right file?)");
    auto image = std::filesystem::temp_directory_path() /
                 ("fabgate-config-test-image-" + std::to_string(::getpid()));
    { std::ofstream create(image); }
    std::filesystem::resize_file(image, kMaxTextFileBytes + 1);  // sparse: no disk used
    cfg = load_gate_config_file(image.string());
    std::filesystem::remove(image);
    REQUIRE(!cfg);
    auto problem = cfg.error().at(0).message();
    CHECK(problem.rfind(image.string() + ": ", 0) == 0);
    CHECK(problem.find("more than") != std::string::npos);
}

TEST_CASE("a config that is not JSON names the line and column where it stops being JSON") {
    // A missing comma in a long file: "is not valid JSON" alone sent the admin reading it all.
    auto p = problems("{\n  \"site\": \"s\",\n  \"machine\": \"m\"\n  \"journal\": \"j.db\"\n}");
    REQUIRE(p.size() == 1);
    CHECK(p[0].rfind("config: is not valid JSON: line 4, column 11: ", 0) == 0);
    // Bytes that are not UTF-8 inside a string, on line 2.
    p = problems("{\"site\": \"s\",\n \"machine\": \"m\xff\"}");
    REQUIRE(p.size() == 1);
    CHECK(p[0].rfind("config: is not valid JSON: line 2, column", 0) == 0);
}

TEST_CASE("a config path naming a directory says so, not that the file is not JSON") {
    auto dir = std::filesystem::temp_directory_path().string();
    auto cfg = load_gate_config_file(dir);
    REQUIRE(!cfg);
    CHECK(cfg.error().at(0).message() == dir + ": is a directory, not a file");
}

TEST_CASE("an empty broker host is refused by the check, not found at run time") {
    CHECK(problems(R"({"site":"s","machine":"m","broker":{"host":""}})") ==
          std::vector<std::string>{"broker.host: must not be empty"});
}

TEST_CASE("a reader that needs a device refuses an empty device path") {
    CHECK(problems(R"({"site":"s","machine":"m","hardware":{"kind":"gpio",
              "reader":{"type":"rdm6300","device":""},"outputs":{"relay":{"line":17}}}})") ==
          std::vector<std::string>{"hardware.reader.device: must not be empty"});
}

TEST_CASE("a GPIO line used for two things is refused, naming both") {
    CHECK(problems(R"({"site":"s","machine":"m","hardware":{"kind":"gpio",
              "reader":{"type":"rdm6300","device":"/dev/ttyS0"},
              "outputs":{"relay":{"line":17},"led_ready":{"line":17}}}})") ==
          std::vector<std::string>{"hardware.outputs.led_ready.line: line 17 of gpiochip0 is "
                                   "already hardware.outputs.relay"});
    CHECK(problems(R"({"site":"s","machine":"m","hardware":{"kind":"gpio",
              "reader":{"type":"rdm6300","device":"/dev/ttyS0"},"outputs":{"relay":{"line":"GPIO5"}},
              "inputs":{"interlocks":[{"name":"lid","line":"GPIO5"}]}}})") ==
          std::vector<std::string>{"hardware.inputs.interlocks[0].line: line GPIO5 of gpiochip0 "
                                   "is already hardware.outputs.relay"});
    // The same offset on another chip is another line.
    CHECK(problems(R"({"site":"s","machine":"m","hardware":{"kind":"gpio",
              "reader":{"type":"rdm6300","device":"/dev/ttyS0"},
              "outputs":{"relay":{"line":17},"led_ready":{"chip":"gpiochip1","line":17}}}})")
              .empty());
}

TEST_CASE("a setting given twice is refused, named with its path, not read as the last one") {
    CHECK(
        problems(
            R"({"site":"s","machine":"m","policy":{"idle_timeout_s":60,"idle_timeout_s":6000}})") ==
        std::vector<std::string>{"policy.idle_timeout_s: is given twice; keep one"});
    CHECK(problems(R"({"site":"s","machine":"m","hardware":{"inputs":{"interlocks":[
              {"name":"lid","line":1},{"name":"door","line":2,"line":3}]}}})") ==
          std::vector<std::string>{"hardware.inputs.interlocks[1].line: is given twice; keep one"});
    // The same key in different objects is no repeat.
    CHECK(problems(R"({"site":"s","machine":"m","broker":{"port":1883},"policy":{"after_run_s":1},
              "hardware":{"inputs":{"interlocks":[{"name":"a","line":1},{"name":"b","line":2}]}}})")
              .empty());
}

TEST_CASE("gpio lines by offset or by name") {
    auto cfg = load_gate_config_text(R"({"site":"s","machine":"m","hardware":{"kind":"gpio",
        "reader":{"type":"line","device":"/dev/ttyUSB0"},
        "outputs":{"relay":{"chip":"pinctrl-bcm2711","line":"GPIO17","active_low":true},"buzzer":{"line":18}}}})");
    REQUIRE(cfg);
    CHECK(cfg->hardware.relay->name == "GPIO17");
    CHECK(cfg->hardware.relay->active_low);
    CHECK(cfg->hardware.buzzer->offset == 18u);
    CHECK(cfg->hardware.buzzer->chip == "gpiochip0");
}

TEST_CASE("the access-list public key must look like an Ed25519 key") {
    auto p = problems(R"({"site":"s","machine":"m","acl_public_key":"abc"})");
    REQUIRE(p.size() == 1);
    CHECK(p[0] == "acl_public_key: must be the ledger's Ed25519 public key: 64 hex digits");
    CHECK(problems(R"({"site":"s","machine":"m","acl_public_key":")" + std::string(64, 'a') + "\"}")
              .empty());
}

TEST_CASE("a gate trusts at most two ledger keys and refuses unsigned lists unless told") {
    const std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
    auto base = load_gate_config_text(R"({"site":"s","machine":"m"})").value();
    CHECK(base.acl_public_keys.empty());
    CHECK_FALSE(base.insecure_unsigned_acl);  // the safe default
    CHECK(base.acl_max_bytes == 16 * 1024 * 1024);

    auto both = load_gate_config_text(R"({"site":"s","machine":"m","acl_public_key":")" + a +
                                      R"(","acl_public_keys":[")" + b + R"("]})")
                    .value();
    CHECK(both.acl_public_keys == std::vector<std::string>{a, b});
    auto three = problems(R"({"site":"s","machine":"m","acl_public_key":")" + a +
                          R"(","acl_public_keys":[")" + b + R"(",")" + c + R"("]})");
    REQUIRE(three.size() == 1);
    CHECK(three[0].rfind("acl_public_keys: a gate trusts at most two keys", 0) == 0);
    auto bad = problems(R"({"site":"s","machine":"m","acl_public_keys":["xyz"]})");
    REQUIRE(bad.size() == 1);
    CHECK(bad[0] == "acl_public_keys[0]: must be an Ed25519 public key: 64 hex digits");

    auto insecure =
        load_gate_config_text(R"({"site":"s","machine":"m","insecure_unsigned_acl":true})");
    CHECK(insecure.value().insecure_unsigned_acl);
    auto stale =
        load_gate_config_text(
            R"({"site":"s","machine":"m","policy":{"acl_max_age_s":86400,"stale_acl":"supervisors"}})")
            .value();
    CHECK(stale.policy.acl_max_age_s == 86400);
    CHECK(stale.policy.stale_acl_supervisors);
    CHECK_FALSE(base.policy.stale_acl_supervisors);
    auto tiny = problems(R"({"site":"s","machine":"m","acl_max_bytes":100})");
    REQUIRE(tiny.size() == 1);
    CHECK(tiny[0].rfind("acl_max_bytes", 0) == 0);
}

TEST_CASE("an empty site or machine id is refused (it would make topics like machines//state)") {
    auto p = problems(R"({"site":"","machine":""})");
    REQUIRE(p.size() == 2);
    CHECK(p[0].rfind("site: use letters", 0) == 0);
    CHECK(p[1].rfind("machine: use letters", 0) == 0);
}

TEST_CASE("an acl_max_age_s a connected gate could exceed between reissues is refused") {
    // Under kMinAclMaxAgeS, the gate would deny sessions while online between two reissues.
    auto hour = problems(R"({"site":"s","machine":"m","policy":{"acl_max_age_s":3600}})");
    REQUIRE(hour.size() == 1);
    CHECK(hour[0].rfind("policy.acl_max_age_s: 3600 is below 10800 s", 0) == 0);
    CHECK(hour[0].find("acl_reissue_s") != std::string::npos);
    auto floor =
        load_gate_config_text(R"({"site":"s","machine":"m","policy":{"acl_max_age_s":10800}})");
    REQUIRE(floor);
    CHECK(floor->policy.acl_max_age_s == kMinAclMaxAgeS);
    auto off = load_gate_config_text(R"({"site":"s","machine":"m","policy":{"acl_max_age_s":0}})");
    REQUIRE(off);
    CHECK(off->policy.acl_max_age_s == 0);
}

// Every example config shipped in config/gate-*.json must load: an installer copies one and
// edits it, and a broken example is the first thing they would meet.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/gate_config.hpp"

using namespace fabgate;

namespace {

std::vector<std::filesystem::path> example_configs() {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(FABGATE_CONFIG_DIR)) {
        auto name = entry.path().filename().string();
        if (name.rfind("gate-", 0) == 0 && entry.path().extension() == ".json")
            found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::set<std::string> pins_of(const GateConfig& cfg) {
    std::set<std::string> pins;
    auto add = [&](const std::optional<GpioLine>& l) {
        if (l)
            pins.insert(l->chip + ":" +
                        (l->offset ? "GPIO" + std::to_string(*l->offset) : l->name));
    };
    const auto& hw = cfg.hardware;
    for (const auto* l : {&hw.relay, &hw.after_run, &hw.led_ready, &hw.led_in_use, &hw.led_denied,
                          &hw.buzzer, &hw.reader.reset_line})
        add(*l);
    for (const auto* in :
         {&hw.busy, &hw.card_present, &hw.reader.wiegand_d0, &hw.reader.wiegand_d1})
        if (*in) add((*in)->line);
    for (const auto& i : hw.interlocks) add(i.input.line);
    return pins;
}

std::size_t line_count(const GateConfig& cfg) {
    const auto& hw = cfg.hardware;
    std::size_t n = 0;
    for (const auto* l : {&hw.relay, &hw.after_run, &hw.led_ready, &hw.led_in_use, &hw.led_denied,
                          &hw.buzzer, &hw.reader.reset_line})
        n += l->has_value();
    for (const auto* in :
         {&hw.busy, &hw.card_present, &hw.reader.wiegand_d0, &hw.reader.wiegand_d1})
        n += in->has_value();
    return n + hw.interlocks.size();
}

}  // namespace

TEST_CASE("every config/gate-*.json example loads, on GPIO hardware, with no pin used twice") {
    auto files = example_configs();
    CHECK_MESSAGE(files.size() >= 4, "expected the four example gates in " FABGATE_CONFIG_DIR);
    for (const auto& file : files) {
        CAPTURE(file.string());
        auto cfg = load_gate_config_file(file.string());
        if (!cfg) {
            for (const auto& e : cfg.error())
                FAIL_CHECK(e.message());  // names the file and the field
            continue;
        }
        CHECK(cfg->hardware.kind == HardwareKind::Gpio);
        CHECK(cfg->hardware.relay.has_value());
        CHECK_MESSAGE(pins_of(*cfg).size() == line_count(*cfg), file.string(),
                      ": a GPIO pin is used twice");
    }
}

TEST_CASE("the examples cover the four reader types a FabLab is likely to have") {
    std::set<ReaderType> types;
    for (const auto& file : example_configs())
        if (auto cfg = load_gate_config_file(file.string()))
            types.insert(cfg->hardware.reader.type);
    CHECK(types.count(ReaderType::Rdm6300));
    CHECK(types.count(ReaderType::Evdev));
    CHECK(types.count(ReaderType::Wiegand));
    CHECK(types.count(ReaderType::Mfrc522));
}

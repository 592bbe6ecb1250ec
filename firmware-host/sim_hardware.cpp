#include "sim_hardware.hpp"

#include <sstream>
#include <vector>

namespace fabgate {
namespace {

std::vector<std::string> words(std::string_view line) {
    std::istringstream in{std::string(line)};
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::optional<bool> on_off(const std::string& word) {
    if (word == "on" || word == "open" || word == "1" || word == "true") return true;
    if (word == "off" || word == "closed" || word == "close" || word == "0" || word == "false")
        return false;
    return std::nullopt;
}

constexpr std::string_view kHelp =
    "commands: badge UID | remove | busy on|off | interlock NAME open|closed | card on|off | "
    "fault DEVICE on|off | status";

}  // namespace

SimHardware::SimHardware(const HardwareConfig& config, HardwareEvents& events)
    : events_(events),
      has_busy_(config.busy.has_value()),
      has_card_present_(config.card_present.has_value()) {
    for (const auto& i : config.interlocks) interlocks_.insert(i.name);
}

SimHardware::~SimHardware() {
    set_relay(false);
}

void SimHardware::changed(const std::string& what) {
    if (listener_) listener_(what);
}

void SimHardware::set_relay(bool on) {
    if (on == relay_) return;
    relay_ = on;
    changed(std::string("relay ") + (on ? "on" : "off"));
}

void SimHardware::set_after_run(bool on) {
    if (on == after_run_) return;
    after_run_ = on;
    changed(std::string("after_run ") + (on ? "on" : "off"));
}

void SimHardware::indicate(Indication indication) {
    // Granted and Denied are flashes over the steady indication, as on the real LEDs and buzzer.
    if (indication == Indication::Granted || indication == Indication::Denied)
        flash_ = indication;
    else
        signal_ = indication;
    changed("signal " + std::string(to_string(indication)));
}

std::string SimHardware::describe() const {
    return std::string("relay=") + (relay_ ? "on" : "off") +
           " after_run=" + (after_run_ ? "on" : "off") +
           " signal=" + std::string(to_string(signal_));
}

Result<std::string> SimHardware::execute(std::string_view line) {
    auto w = words(line);
    if (w.empty()) return fail("command", "empty line; " + std::string(kHelp));
    const auto& verb = w[0];
    auto need = [&](std::size_t n) -> Status {
        if (w.size() != n) return fail(verb, "wrong number of words; " + std::string(kHelp));
        return {};
    };
    if (verb == "help") return std::string(kHelp);
    if (verb == "status") return describe();
    if (verb == "badge") {
        TRY(need(2));
        TRY_ASSIGN(auto uid, Uid::parse(w[1]));
        flash_.reset();
        events_.badge_presented(uid);
        std::string reply = describe();
        if (flash_) reply += " flash=" + std::string(to_string(*flash_));
        return reply;
    }
    if (verb == "remove") {
        events_.badge_removed();
        return describe();
    }
    if (verb == "busy" || verb == "card") {
        TRY(need(2));
        auto level = on_off(w[1]);
        if (!level) return fail(verb, "say on or off");
        bool configured = verb == "busy" ? has_busy_ : has_card_present_;
        if (!configured)
            return fail(verb, "this machine has no " + verb +
                                  " input in its config (hardware.inputs." +
                                  (verb == "busy" ? "busy" : "card_present") + ")");
        events_.input_changed(verb == "busy" ? InputKind::Busy : InputKind::CardPresent, verb,
                              *level);
        return describe();
    }
    if (verb == "interlock") {
        TRY(need(3));
        if (!interlocks_.count(w[1]))
            return fail("interlock", "'" + w[1] + "' is not in hardware.inputs.interlocks");
        auto open = on_off(w[2]);
        if (!open) return fail("interlock", "say open or closed");
        events_.input_changed(InputKind::Interlock, w[1], *open);
        return describe();
    }
    if (verb == "fault") {
        TRY(need(3));
        auto faulted = on_off(w[2]);
        if (!faulted) return fail("fault", "say on or off");
        events_.device_fault(w[1], *faulted, *faulted ? "simulated" : "");
        return describe();
    }
    return fail(verb, "unknown command; " + std::string(kHelp));
}

}  // namespace fabgate

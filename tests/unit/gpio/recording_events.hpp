#pragma once
// HardwareEvents that remembers what it was told, as short lines a test compares.
#include <string>
#include <vector>

#include "core/ports.hpp"

namespace fabgate::gpio::testing {

struct RecordingEvents final : HardwareEvents {
    std::vector<std::string> log;
    void badge_presented(const Uid& uid) override { log.push_back("badge " + uid.hex()); }
    void badge_removed() override { log.push_back("removed"); }
    void input_changed(InputKind kind, std::string_view name, bool active) override {
        std::string k = kind == InputKind::Busy        ? "busy"
                        : kind == InputKind::Interlock ? "interlock"
                                                       : "card";
        log.push_back(k + " " + std::string(name) + (active ? " on" : " off"));
    }
    void device_fault(std::string_view device, bool faulted, std::string_view) override {
        log.push_back("fault " + std::string(device) + (faulted ? " on" : " off"));
    }
    std::vector<std::string> take() {
        auto out = std::move(log);
        log.clear();
        return out;
    }
};

// Bits of a valid Wiegand frame around `data_bits` of data (26-bit: 24, 34-bit: 32).
inline std::string wiegand_frame(std::uint64_t data, int data_bits) {
    int half = data_bits / 2;
    auto ones = [](std::uint64_t v) { return __builtin_popcountll(v); };
    std::string bits = ones(data >> half) % 2 ? "1" : "0";
    for (int i = data_bits - 1; i >= 0; --i) bits += (data >> i) & 1 ? '1' : '0';
    bits += ones(data & ((std::uint64_t{1} << half) - 1)) % 2 ? "0" : "1";
    return bits;
}

}  // namespace fabgate::gpio::testing

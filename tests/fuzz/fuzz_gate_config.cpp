// A gate config file is written by people: any text must give a config or named errors.
#include <cstdint>
#include <string_view>

#include "core/gate_config.hpp"
#include "core/ids.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = fabgate::load_gate_config_text(text);
    if (config) {
        // What the parser accepts must be safe to put in an MQTT topic.
        if (!fabgate::is_valid_id(config->site) || !fabgate::is_valid_id(config->machine))
            __builtin_trap();
    } else if (config.error().empty()) {
        __builtin_trap();  // refused without saying why
    }
    return 0;
}

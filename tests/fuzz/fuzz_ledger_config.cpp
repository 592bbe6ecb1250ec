// The ledger's config file: any text gives a config or named errors.
#include <cstdint>
#include <string_view>

#include "ledger/ledger_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = fabgate::ledger::load_ledger_config_text(text);
    if (!config && config.error().empty()) __builtin_trap();
    if (config && (config->batch_max_messages <= 0 || config->max_inflight <= 0)) __builtin_trap();
    return 0;
}

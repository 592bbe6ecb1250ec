#pragma once
// Site, machine and input ids: they end up in MQTT topics and log lines.
#include <string_view>

namespace fabgate {

// Letters, digits, '-' and '_' only, 1 to 64 of them.
bool is_valid_id(std::string_view id);

}  // namespace fabgate

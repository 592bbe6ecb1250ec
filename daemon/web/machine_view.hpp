#pragma once
// One machine as the board shows it (an /api/machines entry, also each SSE event): the
// ledger's name, group and desired lock, with the gate's state as fabweb heard it.
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/web_app.hpp"

namespace fabgate::web {

nlohmann::json machine_json(WebApp& app, const MachineKey& key);
std::string machine_entry(WebApp& app, const MachineKey& key);  // dumped
// Registered machines, then gates that report without being registered.
tl::expected<std::vector<MachineKey>, std::optional<Answer>> board_keys(WebApp& app);

}  // namespace fabgate::web

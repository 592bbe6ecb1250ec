#pragma once
// How the programs that open the ledger database (fabledger, fabweb) read their config: the
// same "database" setting, read and checked once here since both open the same file; a broker
// session kept under the program's own client id unless the file names another; and every
// FabGate config's strictness (each problem named by its field, keys nobody read refused).
// Only the program's own settings differ: `read_settings` reads them after "database".
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_reader.hpp"

namespace fabgate::ledger {

template <class Config, class ReadSettings>
tl::expected<Config, std::vector<Error>> load_database_config_text(std::string_view text,
                                                                   std::size_t max_bytes,
                                                                   std::string client_id,
                                                                   ReadSettings&& read_settings) {
    auto parse = [&](const nlohmann::json& document) {
        JsonErrors errors;
        Config cfg;
        cfg.broker.client_id = std::move(client_id);
        ObjectReader root(document, "", errors);
        cfg.database = root.string_or("database", cfg.database);
        if (cfg.database.empty()) errors.add("database", "must not be empty");
        read_settings(root, cfg, errors);
        return config_unless_errors(root, errors, std::move(cfg));
    };
    return load_config_text<Config>(text, max_bytes, parse);
}

}  // namespace fabgate::ledger

#pragma once
// The JSON an audit row's before and after are written in. Apart from audited_store.hpp: only
// the stores that write those rows need nlohmann, not every file that reads the ledger.
#include <optional>

#include <nlohmann/json.hpp>

namespace fabgate::ledger {

// An optional field of an audit row: its value, or JSON null.
template <class T>
nlohmann::json json_or_null(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace fabgate::ledger

#pragma once
// The tariffs: append-only, audited. A session is priced by the tariff in force at its start.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/billing.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/tariff.hpp"
#include "store/sqlite.hpp"

namespace fabgate::ledger {

// The currencies this ledger keeps other decimals for than ISO's (core/billing.hpp).
Result<KeptDecimals> kept_currency_decimals(db::Database& db);

class TariffBook {
  public:
    explicit TariffBook(db::Database& db) : db_(db) {}
    TariffBook(const TariffBook&) = delete;
    TariffBook& operator=(const TariffBook&) = delete;

    // Validates and inserts; returns the new id. Old rows are never changed (a trigger refuses).
    Result<std::int64_t> add(const Tariff& t, std::string_view actor, UnixMs now);
    // Every tariff, oldest first.
    Result<std::vector<Tariff>> all();
    // The decimals amounts in a currency are written with in this ledger.
    Result<KeptDecimals> kept_decimals() { return kept_currency_decimals(db_); }

  private:
    db::Database& db_;
};

}  // namespace fabgate::ledger

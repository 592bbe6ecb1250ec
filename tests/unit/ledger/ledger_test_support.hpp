#pragma once
// What the ledger's unit tests share: a scratch directory, a ledger that can bill, and a
// finished session to ingest.
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "core/messages.hpp"
#include "core/tariff.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::test {

inline constexpr UnixMs kT0 = 1'767'225'600'000;  // 2026-01-01
inline constexpr UnixMs kMinute = 60'000;
inline constexpr UnixMs kHour = 60 * kMinute;

// A fresh directory under /tmp, removed with everything in it when the test ends.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/ledger-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (path / name).string(); }
};

// A ledger in `dir` whose member m-1 (Ann) is billed on any machine of the lasers' group, priced
// for every member class. No machine is registered: each test says which exist.
inline ledger::LedgerDb priced_lab(const TempDir& dir, UnixMs at) {
    auto db = ledger::LedgerDb::open(dir.file("ledger.db"));
    REQUIRE(db);
    ledger::Member m;
    m.id = "m-1";
    m.name = "Ann";
    REQUIRE(db->members().add(m, "t", at));
    Tariff t;
    t.target_kind = TargetKind::Group;
    t.target = "lasers";
    t.member_class = "*";
    t.price_per_hour_minor = 1200;
    REQUIRE(db->tariffs().add(t, "t", at));
    return std::move(*db);
}

// A tariff on the lasers' group for `member_class` that uses every rule: active time in started
// 6-minute increments at 12.50 CHF an hour, a start fee, a minimum amount and time, free below
// 2 minutes, rounded up to 0.05, sessions less than 10 minutes apart priced as one.
inline Tariff lasers_tariff_with_every_rule(std::string member_class) {
    Tariff t;
    t.target_kind = TargetKind::Group;
    t.target = "lasers";
    t.member_class = std::move(member_class);
    t.price_per_hour_minor = 1250;
    t.currency = "CHF";
    t.basis = TariffBasis::Active;
    t.increment_s = 360;
    t.start_fee_minor = 100;
    t.minimum_minor = 200;
    t.minimum_s = 900;
    t.free_below_s = 120;
    t.amount_rounding_minor = 5;
    t.rounding_mode = RoundingMode::Up;
    t.combine_window_s = 600;
    return t;
}

// Member m-1's badge on lab/<machine>, powered for `minutes` from `start`, with a synced clock.
inline SessionRecord finished_session(std::string id, UnixMs start, std::int64_t minutes,
                                      std::string machine) {
    SessionRecord s;
    s.id = std::move(id);
    s.site = "lab";
    s.machine = std::move(machine);
    s.uid = "04A1B2C3";
    s.member = "m-1";
    s.started_at = start;
    s.ended_at = start + minutes * 60'000;
    s.clock_synced = true;
    s.powered_ms = minutes * 60'000;
    return s;
}

}  // namespace fabgate::test

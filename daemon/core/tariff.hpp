#pragma once
// Prices for machine time: money is an integer number of minor units (cents) with a currency,
// never a floating-point number. A tariff row is never changed: a new row with a later
// valid_from starts a new validity, and a session is priced by the row in force when it started.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/enum_names.hpp"
#include "core/result.hpp"

namespace fabgate {

enum class TargetKind { Machine, Group };  // a right or tariff names one machine id or a group
EnumNameTable<TargetKind> enum_names(TargetKind);  // machine, group
inline constexpr auto target_kind_from_string = from_string<TargetKind>;

enum class TariffBasis { Powered, Active };          // relay-on time, or the machine's busy time
EnumNameTable<TariffBasis> enum_names(TariffBasis);  // powered, active
inline constexpr auto tariff_basis_from_string = from_string<TariffBasis>;

// How the session amount is brought to a multiple of the rounding step.
enum class RoundingMode { HalfUp, Up, Down };
EnumNameTable<RoundingMode> enum_names(RoundingMode);  // half-up, up, down
inline constexpr auto rounding_mode_from_string = from_string<RoundingMode>;

// member_class "*" matches every class; an exact class beats it.
inline constexpr std::string_view kAnyMemberClass = "*";

struct Tariff {
    std::int64_t id = 0;  // assigned by the ledger
    TargetKind target_kind = TargetKind::Machine;
    std::string target;
    std::string member_class;
    std::int64_t price_per_hour_minor = 0;
    std::string currency = "EUR";
    TariffBasis basis = TariffBasis::Powered;
    std::int64_t increment_s = 60;           // billable time is rounded up to started increments
    std::int64_t start_fee_minor = 0;        // added once per session
    std::int64_t minimum_minor = 0;          // a billed session costs at least this
    std::int64_t minimum_s = 0;              // a billed session is billed at least this time
    std::int64_t free_below_s = 0;           // shorter sessions cost nothing at all
    std::int64_t amount_rounding_minor = 1;  // final amount rounded to a multiple of this step
    RoundingMode rounding_mode = RoundingMode::HalfUp;
    std::int64_t combine_window_s = 0;  // a member's sessions closer than this price as one
    UnixMs valid_from = 0;
};

// Bounds keep every intermediate product inside int64 (see price_session).
inline constexpr std::int64_t kMaxPricePerHourMinor = 100'000'000;  // 1,000,000.00 per hour
inline constexpr std::int64_t kMaxFeeMinor = 100'000'000;
inline constexpr std::int64_t kMaxIncrementS = 24 * 3600;
// The longest basis priced at once: one session from the protocol, or a combined group.
inline constexpr std::int64_t kMaxBasisMs = 366LL * 24 * 3600 * 1000;
Status validate(const Tariff& t);
// A new tariff's rounding step is one of 0.01, 0.05, 0.10, 0.50 or 1.00 of the currency's major
// unit (`decimals`: its minor-unit exponent). Rows stored before this rule keep any step that
// validate() accepts, so they still price.
Status validate_rounding_step(const Tariff& t, int decimals);

struct SessionPrice {
    std::int64_t tariff_id = 0;
    std::int64_t basis_ms = 0;    // powered or active time the price was computed from
    std::int64_t billable_s = 0;  // basis rounded up to started increments (0 when free)
    std::int64_t amount_minor = 0;
    std::string currency;
    bool free = false;             // shorter than free_below_s
    bool rounded = false;          // the rounding step changed the exact amount
    bool minimum_applied = false;  // minimum_s or minimum_minor raised the price
};

// The rules, in order (docs/ledger-schema.md, "Pricing"):
// 1. basis_ms = powered_ms, or active_ms for an `active` tariff (powered_ms when the machine
//    reported no active time: a machine without busy input bills its powered time).
// 2. basis_ms < free_below_s * 1000: free, amount 0 (no start fee, no minimum).
// 3. billable_s = ceil(basis_ms / (increment_s * 1000)) * increment_s, at least minimum_s.
// 4. exact = start_fee + price_per_hour * billable_s / 3600, kept as a fraction over 3600.
// 5. exact = max(exact, minimum).
// 6. amount = exact rounded to a multiple of amount_rounding_minor by rounding_mode (half up, up
//    or down); one rounding only.
SessionPrice price_session(const Tariff& t, std::int64_t powered_ms,
                           std::optional<std::int64_t> active_ms);

// The sessions of a combined group priced so far (the same tariff throughout).
struct CombinedSoFar {
    std::int64_t basis_ms = 0;
    std::int64_t billable_s = 0;
    std::int64_t amount_minor = 0;
};
// The basis price_session() would bill for this session.
std::int64_t session_basis_ms(const Tariff& t, std::int64_t powered_ms,
                              std::optional<std::int64_t> active_ms);
// A session that continues a combined group carries the increment: the group priced as one
// session with the summed basis, minus what the group was charged so far. Start fee, minimum
// and free-below apply once to the group. Sums over the group stay equal to the group priced
// as one. Combine only while before.basis_ms + this basis <= kMaxBasisMs (int64 bounds).
SessionPrice price_continuation(const Tariff& t, const CombinedSoFar& before,
                                std::int64_t powered_ms, std::optional<std::int64_t> active_ms);

// The tariff in force for a session: valid_from <= started_at; a machine tariff beats a group
// tariff, an exact member class beats "*", then the latest valid_from (then the highest id).
// nullptr when none applies (the session is stored unpriced).
const Tariff* select_tariff(std::span<const Tariff> tariffs, std::string_view machine,
                            std::optional<std::string_view> group, std::string_view member_class,
                            UnixMs started_at);

}  // namespace fabgate

#include "core/tariff.hpp"

#include <algorithm>
#include <tuple>

#include "core/enum_names.hpp"

namespace fabgate {

constexpr EnumNames<TargetKind, 2> kTargetKindNames{
    {{TargetKind::Machine, "machine"}, {TargetKind::Group, "group"}}};

EnumNameTable<TargetKind> enum_names(TargetKind) {
    return kTargetKindNames.table("group");
}

constexpr EnumNames<TariffBasis, 2> kTariffBasisNames{
    {{TariffBasis::Powered, "powered"}, {TariffBasis::Active, "active"}}};

EnumNameTable<TariffBasis> enum_names(TariffBasis) {
    return kTariffBasisNames.table("active");
}

constexpr EnumNames<RoundingMode, 3> kRoundingModeNames{
    {{RoundingMode::HalfUp, "half-up"}, {RoundingMode::Up, "up"}, {RoundingMode::Down, "down"}}};

EnumNameTable<RoundingMode> enum_names(RoundingMode) {
    return kRoundingModeNames.table("half-up");
}

Status validate(const Tariff& t) {
    auto in = [](std::int64_t v, std::int64_t lo, std::int64_t hi) { return v >= lo && v <= hi; };
    if (t.target.empty()) return fail("tariff.target", "names no machine or group");
    if (t.member_class.empty())
        return fail("tariff.member_class", "is empty (use * for every class)");
    if (t.currency.size() != 3)
        return fail("tariff.currency", "must be a three-letter code such as EUR");
    if (!in(t.price_per_hour_minor, 0, kMaxPricePerHourMinor))
        return fail("tariff.price_per_hour_minor",
                    "must be from 0 to " + std::to_string(kMaxPricePerHourMinor));
    if (!in(t.increment_s, 1, kMaxIncrementS))
        return fail("tariff.increment_s", "must be from 1 to " + std::to_string(kMaxIncrementS));
    if (!in(t.start_fee_minor, 0, kMaxFeeMinor))
        return fail("tariff.start_fee_minor", "is out of range");
    if (!in(t.minimum_minor, 0, kMaxFeeMinor))
        return fail("tariff.minimum_minor", "is out of range");
    if (!in(t.minimum_s, 0, kMaxIncrementS))
        return fail("tariff.minimum_s", "must be from 0 to one day");
    if (!in(t.combine_window_s, 0, kMaxIncrementS))
        return fail("tariff.combine_window_s", "must be from 0 to one day");
    if (!in(t.free_below_s, 0, kMaxIncrementS))
        return fail("tariff.free_below_s", "must be from 0 to one day");
    if (!in(t.amount_rounding_minor, 1, 100'000))
        return fail("tariff.amount_rounding_minor", "must be from 1 to 100000");
    if (t.valid_from < 0) return fail("tariff.valid_from", "is before 1970");
    return {};
}

Status validate_rounding_step(const Tariff& t, int decimals) {
    std::int64_t minor_per_major = 1;
    for (int i = 0; i < decimals; ++i) minor_per_major *= 10;
    for (std::int64_t hundredths : {1, 5, 10, 50, 100}) {
        if ((hundredths * minor_per_major) % 100 != 0) continue;  // not a whole minor unit
        if (t.amount_rounding_minor == hundredths * minor_per_major / 100) return {};
    }
    return fail("tariff.amount_rounding_minor",
                "must be a step of 0.01, 0.05, 0.10, 0.50 or 1.00 in the currency");
}

SessionPrice price_session(const Tariff& t, std::int64_t powered_ms,
                           std::optional<std::int64_t> active_ms) {
    SessionPrice p;
    p.tariff_id = t.id;
    p.currency = t.currency;
    p.basis_ms = session_basis_ms(t, powered_ms, active_ms);
    if (p.basis_ms < t.free_below_s * 1000) {
        p.free = true;
        return p;
    }
    const std::int64_t increment_ms = t.increment_s * 1000;
    const std::int64_t increments = (p.basis_ms + increment_ms - 1) / increment_ms;
    p.billable_s = increments * t.increment_s;
    if (p.billable_s < t.minimum_s) {
        p.billable_s = t.minimum_s;  // "15 minutes minimum": at most one day (validate)
        p.minimum_applied = true;
    }
    // Everything in 1/3600 of a minor unit. Bounds (validate, and a session of at most 366
    // days from the protocol) keep the products below 2^63: 1e8 * 3.2e7 = 3.2e15.
    std::int64_t exact = t.start_fee_minor * 3600 + t.price_per_hour_minor * p.billable_s;
    if (exact < t.minimum_minor * 3600) {
        exact = t.minimum_minor * 3600;
        p.minimum_applied = true;
    }
    // exact >= 0, unit <= 3.6e8: the added offset stays far below 2^63.
    const std::int64_t unit = 3600 * t.amount_rounding_minor;
    const std::int64_t offset = t.rounding_mode == RoundingMode::Up       ? unit - 1
                                : t.rounding_mode == RoundingMode::HalfUp ? unit / 2
                                                                          : 0;
    p.amount_minor = (exact + offset) / unit * t.amount_rounding_minor;
    p.rounded = p.amount_minor * 3600 != exact;
    return p;
}

std::int64_t session_basis_ms(const Tariff& t, std::int64_t powered_ms,
                              std::optional<std::int64_t> active_ms) {
    std::int64_t basis = (t.basis == TariffBasis::Active && active_ms) ? *active_ms : powered_ms;
    return basis < 0 ? 0 : basis;
}

SessionPrice price_continuation(const Tariff& t, const CombinedSoFar& before,
                                std::int64_t powered_ms, std::optional<std::int64_t> active_ms) {
    const std::int64_t basis = session_basis_ms(t, powered_ms, active_ms);
    // Priced as one session of the summed basis; powered and active are both that sum here.
    SessionPrice p = price_session(t, before.basis_ms + basis, before.basis_ms + basis);
    p.basis_ms = basis;
    // Pricing only grows with the basis, so neither difference is negative for a group priced
    // this way; the clamps keep a hand-edited row from producing a credit.
    p.billable_s = std::max<std::int64_t>(0, p.billable_s - before.billable_s);
    p.amount_minor = std::max<std::int64_t>(0, p.amount_minor - before.amount_minor);
    return p;
}

const Tariff* select_tariff(std::span<const Tariff> tariffs, std::string_view machine,
                            std::optional<std::string_view> group, std::string_view member_class,
                            UnixMs started_at) {
    const Tariff* best = nullptr;
    auto rank = [&](const Tariff& t) {
        return std::make_tuple(t.target_kind == TargetKind::Machine ? 1 : 0,
                               t.member_class == member_class ? 1 : 0, t.valid_from, t.id);
    };
    for (const auto& t : tariffs) {
        if (t.valid_from > started_at) continue;
        bool target_ok = t.target_kind == TargetKind::Machine ? t.target == machine
                                                              : (group && t.target == *group);
        if (!target_ok) continue;
        if (t.member_class != member_class && t.member_class != kAnyMemberClass) continue;
        if (!best || rank(t) > rank(*best)) best = &t;
    }
    return best;
}

}  // namespace fabgate

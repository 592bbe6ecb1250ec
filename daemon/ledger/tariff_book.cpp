#include "ledger/tariff_book.hpp"

#include <nlohmann/json.hpp>

#include "core/billing.hpp"
#include "ledger/columns.hpp"
#include "ledger/db_util.hpp"

namespace fabgate::ledger {

using detail::in_transaction;
using nlohmann::json;

namespace {

std::string to_json(const Tariff& t) {
    return json{{"id", t.id},
                {"target_kind", to_string(t.target_kind)},
                {"target", t.target},
                {"member_class", t.member_class},
                {"price_per_hour_minor", t.price_per_hour_minor},
                {"currency", t.currency},
                {"basis", to_string(t.basis)},
                {"increment_s", t.increment_s},
                {"start_fee_minor", t.start_fee_minor},
                {"minimum_minor", t.minimum_minor},
                {"free_below_s", t.free_below_s},
                {"amount_rounding_minor", t.amount_rounding_minor},
                {"rounding_mode", to_string(t.rounding_mode)},
                {"minimum_s", t.minimum_s},
                {"combine_window_s", t.combine_window_s},
                {"valid_from", t.valid_from}}
        .dump();
}

Tariff read_tariff(const db::Statement& st) {
    Tariff t;
    detail::read_columns(
        st, 0, t.id, detail::named(t.target_kind, target_kind_from_string, TargetKind::Machine),
        t.target, t.member_class, t.price_per_hour_minor, t.currency,
        detail::named(t.basis, tariff_basis_from_string, TariffBasis::Powered), t.increment_s,
        t.start_fee_minor, t.minimum_minor, t.free_below_s, t.amount_rounding_minor, t.valid_from,
        detail::named(t.rounding_mode, rounding_mode_from_string, RoundingMode::HalfUp),
        t.minimum_s, t.combine_window_s);
    return t;
}

}  // namespace

Result<KeptDecimals> kept_currency_decimals(db::Database& db) {
    KeptDecimals kept;
    TRY(detail::for_each_row(
        db, "SELECT currency, decimals FROM currency_decimals_kept", detail::no_parameters,
        [&](const db::Statement& st) { kept.emplace(st.text(0), static_cast<int>(st.int64(1))); }));
    return kept;
}

Result<std::int64_t> TariffBook::add(const Tariff& t, std::string_view actor, UnixMs now) {
    TRY(validate(t));
    TRY_ASSIGN(auto kept, kept_decimals());
    TRY(validate_rounding_step(t, currency_decimals(t.currency, kept)));
    return in_transaction(db_, [&]() -> Result<std::int64_t> {
        TRY(detail::run(
            db_,
            "INSERT INTO tariffs(target_kind, target, member_class, price_per_hour_minor, "
            "currency, basis, increment_s, start_fee_minor, minimum_minor, free_below_s, "
            "amount_rounding_minor, valid_from, created_at, created_by, rounding_mode, minimum_s, "
            "combine_window_s) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
            "?14, ?15, ?16, ?17)",
            [&](db::Statement& st) {
                st.bind(1, to_string(t.target_kind)).bind(2, t.target).bind(3, t.member_class);
                st.bind(4, t.price_per_hour_minor).bind(5, t.currency).bind(6, to_string(t.basis));
                st.bind(7, t.increment_s).bind(8, t.start_fee_minor).bind(9, t.minimum_minor);
                st.bind(10, t.free_below_s).bind(11, t.amount_rounding_minor);
                st.bind(12, t.valid_from).bind(13, now).bind(14, actor);
                st.bind(15, to_string(t.rounding_mode)).bind(16, t.minimum_s);
                st.bind(17, t.combine_window_s);
            }));
        Tariff stored = t;
        stored.id = db_.last_insert_rowid();
        TRY(detail::audit(db_, now, actor, "tariff.add", std::to_string(stored.id), "",
                          to_json(stored)));
        return stored.id;
    });
}

Result<std::vector<Tariff>> TariffBook::all() {
    return detail::rows_of<Tariff>(
        db_,
        "SELECT id, target_kind, target, member_class, price_per_hour_minor, currency, basis, "
        "increment_s, start_fee_minor, minimum_minor, free_below_s, amount_rounding_minor, "
        "valid_from, rounding_mode, minimum_s, combine_window_s FROM tariffs ORDER BY id",
        detail::no_parameters, read_tariff);
}

}  // namespace fabgate::ledger

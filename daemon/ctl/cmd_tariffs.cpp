// tariffs set | list
#include <map>
#include <tuple>

#include "core/billing.hpp"
#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

// A tariff refused by validate() is named by the option the manager typed, not by its field
// ("tariff.price_per_hour_minor"), and a price limit is an amount, not minor units.
tl::unexpected<Failure> out_of_range(const Error& refusal, const Tariff& t) {
    static const std::map<std::string, std::string> kOptionOf = {
        {"tariff.price_per_hour_minor", "--per-hour"},
        {"tariff.increment_s", "--increment"},
        {"tariff.start_fee_minor", "--start-fee"},
        {"tariff.minimum_minor", "--minimum"},
        {"tariff.minimum_s", "--minimum-time"},
        {"tariff.combine_window_s", "--combine-window"},
        {"tariff.free_below_s", "--free-below"},
        {"tariff.amount_rounding_minor", "--round"},
        {"tariff.valid_from", "--from"}};
    auto option = kOptionOf.find(refusal.where);
    if (option == kOptionOf.end()) return usage_failure("tariff", refusal.message());
    if (option->second == "--per-hour")
        return usage_failure("--per-hour",
                             "must be at most " + format_money(kMaxPricePerHourMinor, t.currency));
    return usage_failure(option->second, refusal.what);
}

struct SetOptions {
    std::string machine, group, member_class, per_hour, currency = "EUR", basis = "powered";
    std::string increment = "1m", start_fee, minimum, free_below, round;
    std::optional<std::string> from;  // given empty, refused: not "now"
    std::string rounding = "half-up", minimum_time, combine_window;

    void declare(CommandSpec command) {
        command.add_option("MACHINE", machine, "machine id; or use --group");
        command.add_option("--group", group, "a machine group instead of one machine");
        command
            .add_option("--class", member_class,
                        "member class it applies to; any for every class (an exact class wins)")
            .required();
        command.add_option("--per-hour", per_hour, "price per hour, e.g. 12.50").required();
        command.add_option("--currency", currency, "ISO code (default EUR)");
        command
            .add_option("--basis", basis,
                        "powered (relay on, default) or active (machine busy) time")
            .must_be_one_of({"powered", "active"});
        command.add_option("--increment", increment,
                           "time is billed in started increments (default 1m; e.g. 6m)");
        command.add_option("--start-fee", start_fee, "added once per session, e.g. 1.00");
        command.add_option("--minimum", minimum, "a billed session costs at least this");
        command.add_option("--minimum-time", minimum_time,
                           "a billed session is billed at least this time (15m)");
        command.add_option("--combine-window", combine_window,
                           "a member's sessions on the machine (or group) less than this apart "
                           "are priced as one (10m)");
        command.add_option("--free-below", free_below, "sessions shorter than this are free (2m)");
        command.add_option("--round", round,
                           "round each amount to a multiple of this step: 0.01 (default), 0.05, "
                           "0.10, 0.50 or 1.00");
        command
            .add_option("--rounding", rounding,
                        "how amounts reach the step: half-up (default), up or down")
            .must_be_one_of({"half-up", "up", "down"});
        command.add_option("--from", from, "in force from this date or time (default now)");
    }
};

// Every rule of the tariff, in the words of the options that set it: what the manager typed
// is what the ledger will apply.
std::string rules_text(const Tariff& t) {
    std::string text = "start fee " + format_money(t.start_fee_minor, t.currency);
    text += "; minimum " + format_money(t.minimum_minor, t.currency) + " and " +
            format_duration_s(t.minimum_s);
    text += "; free below " + format_duration_s(t.free_below_s);
    text += "; rounding " + std::string(to_string(t.rounding_mode)) + " to " +
            format_money(t.amount_rounding_minor, t.currency);
    text += "; combine window " + format_duration_s(t.combine_window_s);
    return text;
}

// A tariff as `tariffs list` shows it (defined next to the listing). `tariffs set --json`
// echoes the same row, so a program reads a stored tariff alike from both.
Table tariff_table();
std::vector<Cell> tariff_cells(const Tariff& t);

void echo(CommandContext& s, const Tariff& t) {
    if (s.json) {
        Table row = tariff_table();
        row.add(tariff_cells(t));
        *s.out << dump_json(to_json(row).front()) << "\n";
        return;
    }
    *s.out << "tariff " << t.id << ": " << target_text(t.target_kind, t.target) << ", class "
           << t.member_class << ", " << format_money(t.price_per_hour_minor, t.currency)
           << " per hour of " << to_string(t.basis) << " time in "
           << format_duration_s(t.increment_s) << " increments, from " << format_short(t.valid_from)
           << "\n"
           << rules_text(t)
           << "\n(sessions are priced when they are stored, by the tariff in force at "
              "their start; past sessions keep their price)\n";
}

Outcome set(CommandContext& s, const SetOptions& o) {
    Tariff t;
    TRY_ASSIGN(auto target, target_arg(s, o.machine, o.group, true));
    t.target_kind = target.kind;
    t.target = target.name;
    // '*' unquoted is expanded by the shell; "any" says the same.
    t.member_class = o.member_class == "any" ? std::string(kAnyMemberClass) : o.member_class;
    if (t.member_class.empty())
        return usage_failure("--class", "is empty (use any for every class)");
    auto currency = parse_currency(o.currency);
    if (!currency) return bad_argument("--currency", currency.error());
    t.currency = *currency;
    t.basis = *tariff_basis_from_string(o.basis);  // CLI checked the choices

    auto money = [&](const std::string& option, const std::string& text,
                     std::int64_t& into) -> Outcome {
        if (text.empty()) return {};
        TRY_ASSIGN(into, money_arg(option, text, t.currency));
        return {};
    };
    // The price is required: given empty, it is refused, never left at zero.
    TRY_ASSIGN(t.price_per_hour_minor, money_arg("--per-hour", o.per_hour, t.currency));
    TRY(money("--start-fee", o.start_fee, t.start_fee_minor));
    TRY(money("--minimum", o.minimum, t.minimum_minor));
    // The default step is 0.01 whatever the currency's decimals (1 where it has none).
    if (o.round.empty())
        for (int d = decimals_of(t.currency); d > 2; --d) t.amount_rounding_minor *= 10;
    TRY(money("--round", o.round, t.amount_rounding_minor));
    if (auto step = validate_rounding_step(t, decimals_of(t.currency)); !step)
        return usage_failure("--round", "must be 0.01, 0.05, 0.10, 0.50 or 1.00");
    t.rounding_mode = *rounding_mode_from_string(o.rounding);  // CLI checked the choices
    TRY_ASSIGN(auto increment, duration_arg("--increment", o.increment));
    if (increment < 1) return usage_failure("--increment", "must be at least 1s");
    t.increment_s = increment;
    if (!o.minimum_time.empty()) {
        TRY_ASSIGN(auto minimum, duration_arg("--minimum-time", o.minimum_time));
        t.minimum_s = minimum;
        if (minimum > kMaxIncrementS) return usage_failure("--minimum-time", "must be at most 1d");
    }
    if (!o.combine_window.empty()) {
        TRY_ASSIGN(auto window, duration_arg("--combine-window", o.combine_window));
        if (window > kMaxIncrementS) return usage_failure("--combine-window", "must be at most 1d");
        t.combine_window_s = window;
    }
    if (!o.free_below.empty()) {
        TRY_ASSIGN(t.free_below_s, duration_arg("--free-below", o.free_below));
    }
    t.valid_from = s.now;
    if (o.from) {
        TRY_ASSIGN(t.valid_from, time_arg("--from", *o.from));
    }
    if (auto v = validate(t); !v) return out_of_range(v.error(), t);

    TRY_ASSIGN(auto id, s.ledger().tariffs().add(t, s.actor, s.now));
    t.id = id;
    echo(s, t);
    tell_replayed(s);
    return {};
}

struct ListOptions {
    bool current = false;

    void declare(CommandSpec command) {
        command.add_flag("--current", current, "only the tariffs in force now");
    }
};

Table tariff_table() {
    Table t{{"id", true},
            {"target"},
            {"kind"},
            {"class"},
            {"per_hour", true, "price_per_hour_minor"},
            {"currency"},
            {"basis"},
            {"increment", false, "increment_s"},
            {"start_fee", true, "start_fee_minor"},
            {"minimum", true, "minimum_minor"},
            {"minimum_time", false, "minimum_s"},
            {"free_below", false, "free_below_s"},
            {"round", true, "amount_rounding_minor"},
            {"rounding", false, "rounding_mode"},
            {"combine_window", false, "combine_window_s"},
            {"from", false, "valid_from"}};
    return t;
}

std::vector<Cell> tariff_cells(const Tariff& t) {
    auto money = [&](std::int64_t v) { return Cell(format_amount(v, t.currency), v); };
    auto duration = [](std::int64_t s) { return Cell(format_duration_s(s), s); };
    return {t.id,
            t.target,
            std::string(to_string(t.target_kind)),
            t.member_class,
            money(t.price_per_hour_minor),
            t.currency,
            std::string(to_string(t.basis)),
            duration(t.increment_s),
            money(t.start_fee_minor),
            money(t.minimum_minor),
            duration(t.minimum_s),
            duration(t.free_below_s),
            money(t.amount_rounding_minor),
            std::string(to_string(t.rounding_mode)),
            duration(t.combine_window_s),
            time_cell(t.valid_from)};
}

Outcome list(CommandContext& s, const ListOptions& o) {
    TRY_ASSIGN(auto tariffs, s.ledger().tariffs().all());
    // In force: for its target and class, the latest valid_from that has begun (then highest id).
    using Key = std::tuple<TargetKind, std::string, std::string>;
    std::map<Key, const Tariff*> in_force;
    for (const auto& t : tariffs) {
        if (t.valid_from > s.now) continue;
        auto& best = in_force[{t.target_kind, t.target, t.member_class}];
        if (!best || t.valid_from > best->valid_from ||
            (t.valid_from == best->valid_from && t.id > best->id))
            best = &t;
    }
    Table t = tariff_table();
    t.columns.emplace_back("state");
    for (const auto& tr : tariffs) {
        std::string state = tr.valid_from > s.now ? "future"
                            : in_force[{tr.target_kind, tr.target, tr.member_class}] == &tr
                                ? "in force"
                                : "superseded";
        if (o.current && state != "in force") continue;
        auto row = tariff_cells(tr);
        row.emplace_back(state);
        t.add(std::move(row));
    }
    render(t, s.format(), *s.out, "(no tariffs: sessions are stored unpriced)");
    return {};
}

}  // namespace

void add_tariff_commands(CommandSpec app, Invocation& inv) {
    auto tariffs = add_command_group(app, "tariffs", "prices for machine time");
    add_command<SetOptions>(tariffs, inv, "set",
                            "add a price for a machine (or group) and member class, in force from "
                            "--from; tariffs are never changed, a newer one takes over",
                            set);
    add_command<ListOptions>(tariffs, inv, "list", "every tariff, in force, superseded or future",
                             list);
}

}  // namespace fabgate::ctl

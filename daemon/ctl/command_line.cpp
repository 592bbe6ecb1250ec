#include "ctl/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <type_traits>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ctl/broker_login.hpp"
#include "ctl/decimal_option.hpp"

namespace fabgate::ctl {

OptionSpec& OptionSpec::required() {
    option_->required();
    return *this;
}

OptionSpec& OptionSpec::must_be_one_of(std::vector<std::string> choices) {
    option_->check(CLI::IsMember(std::move(choices)));
    return *this;
}

OptionSpec& OptionSpec::must_be_in_range(int min, int max) {
    option_->check(CLI::Range(min, max));
    return *this;
}

OptionSpec& OptionSpec::must_be_positive() {
    // Not CLI::PositiveNumber: its refusal printed the largest double, hundreds of digits long.
    option_->check(CLI::Validator(
        [](const std::string& text) -> std::string {
            std::int64_t value = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (ec == std::errc() && end == text.data() + text.size() && value >= 1) return {};
            return "must be a whole number of 1 or more, not '" + text + "'";
        },
        "POSITIVE"));
    return *this;
}

namespace {

// The check that would otherwise fail later, deep inside: the ledger's JSON audit rows are
// written by nlohmann, whose strict dump refuses what is not UTF-8.
bool is_utf8(const std::string& text) {
    try {
        (void)nlohmann::json(text).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

// Text goes into the ledger and its JSON audit rows: a Latin-1 "Renée" from a terminal set
// so failed deep inside as "internal error: invalid UTF-8 byte". Refused here, by option.
CLI::Option* utf8_only(CLI::Option* option) {
    return option->check(CLI::Validator(
        [](std::string& text) -> std::string {
            return is_utf8(text) ? std::string()
                                 : "is not UTF-8 text (check the terminal's encoding)";
        },
        ""));
}

}  // namespace

CommandSpec CommandSpec::add_subcommand(const std::string& name, const std::string& help) {
    return CommandSpec(app_->add_subcommand(name, help));
}

OptionSpec CommandSpec::add_option(const std::string& name, std::string& value,
                                   const std::string& help) {
    return OptionSpec(utf8_only(app_->add_option(name, value, help)));
}

OptionSpec CommandSpec::add_option(const std::string& name, std::optional<std::string>& value,
                                   const std::string& help) {
    return OptionSpec(utf8_only(app_->add_option(name, value, help)));
}

OptionSpec CommandSpec::add_option(const std::string& name, int& value, const std::string& help) {
    return OptionSpec(decimal_only(app_->add_option(name, value, help)));
}

OptionSpec CommandSpec::add_option(const std::string& name, std::optional<int>& value,
                                   const std::string& help) {
    return OptionSpec(decimal_only(app_->add_option(name, value, help)));
}

OptionSpec CommandSpec::add_option(const std::string& name, std::int64_t& value,
                                   const std::string& help) {
    return OptionSpec(decimal_only(app_->add_option(name, value, help)));
}

void CommandSpec::add_flag(const std::string& name, bool& value, const std::string& help) {
    app_->add_flag(name, value, help);
}

void CommandSpec::require_subcommand() {
    app_->require_subcommand(1);
}

void CommandSpec::callback(std::function<void()> run) {
    app_->callback(std::move(run));
}

bool CommandSpec::subcommand_given() const {
    return !app_->get_subcommands().empty();
}

namespace {

// "A subcommand is required" does not say that `fabctl membres list` misspelt the command,
// nor which commands there are: name the word not understood, and the choices.
std::optional<std::string> explain_missing_command(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_name() != "RequiredError") return std::nullopt;
    const CLI::App* deepest = &app;
    while (!deepest->get_subcommands().empty()) deepest = deepest->get_subcommands().front();
    auto choices = deepest->get_subcommands(std::function<bool(const CLI::App*)>{});
    if (choices.empty()) return std::nullopt;
    std::string known;
    for (const auto* sub : choices) known += (known.empty() ? "" : ", ") + sub->get_name();
    std::string where;  // "members: "
    for (const CLI::App* a = &app; a != deepest;) {
        a = a->get_subcommands().front();
        where += (where.empty() ? "" : " ") + a->get_name();
    }
    if (!where.empty()) where += ": ";
    auto left = app.remaining(true);
    if (left.empty()) return where + "give a command: " + known;
    return where + "unknown command '" + left.front() + "' (commands: " + known + ")";
}

// CLI11's "The following arguments were not expected: Europe/Paris --tz" lists them reversed
// (fabctl hands it the arguments reversed, as its parse(vector) wants), without our prefix and
// without saying what would have been understood. Name them in the order typed, and the
// options the command does take.
std::optional<std::string> explain_extras(const CLI::App& app, const CLI::ParseError& e,
                                          const std::vector<std::string>& args) {
    // Its name is the app's, not "ExtrasError": CLI11 passes name_ to the error.
    if (dynamic_cast<const CLI::ExtrasError*>(&e) == nullptr) return std::nullopt;
    std::vector<std::string> left = app.remaining();
    const CLI::App* deepest = &app;
    std::string where;
    while (!deepest->get_subcommands().empty()) {
        deepest = deepest->get_subcommands().front();
        where += (where.empty() ? "" : " ") + deepest->get_name();
        for (auto& r : deepest->remaining()) left.push_back(r);
    }
    std::string typed;  // in the order given
    for (const auto& a : args) {
        auto it = std::find(left.begin(), left.end(), a);
        if (it == left.end()) continue;
        left.erase(it);
        typed += (typed.empty() ? "" : " ") + a;
    }
    auto options_of = [](const CLI::App& a) {
        std::string names;
        for (const auto* o : a.get_options()) {
            if (!o->nonpositional() || o->get_name() == "--help") continue;
            names += (names.empty() ? "" : ", ") + o->get_name();
        }
        return names;
    };
    std::string message = (where.empty() ? "" : where + ": ") + "not understood: " + typed + ". ";
    if (deepest != &app) {
        auto own = options_of(*deepest);
        message += own.empty() ? "`" + where + "` takes no options of its own; "
                               : "options of `" + where + "`: " + own + "; ";
    }
    return message + "global options: " + options_of(app);
}

// Parses the command line (CLI11 takes it in reverse). On a mistake, returns what `refused`
// makes of CLI11's error and of our own explanation of an unknown or missing command, if any.
// The error is passed on, not copied: CLI11 tells --help from a mistake by its type.
template <class Refused>
std::optional<std::invoke_result_t<Refused, const CLI::ParseError&, std::optional<std::string>>>
parse_args(CLI::App& app, const std::vector<std::string>& args, Refused refused) {
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        auto explained = explain_missing_command(app, e);
        if (!explained) explained = explain_extras(app, e, args);
        return refused(e, std::move(explained));
    }
}

void add_all_commands(CLI::App& app, Invocation& inv) {
    CommandSpec root(&app);
    add_member_commands(root, inv);
    add_badge_commands(root, inv);
    add_right_commands(root, inv);
    add_machine_commands(root, inv);
    add_tariff_commands(root, inv);
    add_billing_commands(root, inv);
    add_admin_commands(root, inv);
    add_error_commands(root, inv);
}

constexpr const char* kFabctlHelp =
    "fabctl: manage FabGate members, badges, rights, machines and tariffs, and read usage "
    "and billing from the ledger.\nTimes are in the lab's time zone (the ledger config's "
    "time_zone; UTC without one): dates are YYYY-MM-DD (local midnight), times "
    "2026-01-31T14:05, or with an offset 2026-01-31T14:05:00Z or ...+01:00; durations are "
    "like 90s, 6m, 2h, 1h30m; amounts like 12.50.";

void add_global_options(CLI::App& app, Globals& g) {
    app.fallthrough();  // global options may follow the subcommand: `fabctl members list --json`
    app.require_subcommand(1);
    app.set_version_flag("--version", "fabctl 0.1.0");
    app.footer("Exit codes: 0 ok, 1 runtime error, 2 usage error. Run `fabctl COMMAND --help`.");
    app.add_option(
           "--config", g.config,
           "the ledger's config (database path and broker); default " + std::string(kDefaultConfig))
        ->type_name("FILE");
    app.add_option("--db", g.database, "ledger database file (overrides the config's)")
        ->type_name("FILE");
    app.add_option("--broker-config", g.broker_config,
                   "your broker login for machine commands (default " +
                       std::string(kManagerLoginDir) + "/<you>.json)")
        ->type_name("FILE");
    app.add_flag("--json", g.json, "machine-readable JSON output");
    utf8_only(app.add_option("--actor", g.actor,
                             "who makes the change, for the audit log (default $SUDO_USER or "
                             "$USER)"))
        ->type_name("NAME");
}

}  // namespace

std::optional<int> parse_fabctl_line(const std::vector<std::string>& args, Globals& g,
                                     Invocation& inv, std::ostream& out, std::ostream& err) {
    CLI::App app{kFabctlHelp, "fabctl"};
    add_global_options(app, g);
    add_all_commands(app, inv);
    auto refused =
        parse_args(app, args, [&](const CLI::ParseError& e, std::optional<std::string> explained) {
            if (explained) {
                err << "fabctl: " << *explained << "\nRun with --help for more information.\n";
                return kExitUsage;
            }
            int code = app.exit(e, out, err);
            return code == 0 ? kExitOk : kExitUsage;
        });
    if (refused) return *refused;
    if (!inv.action) {
        err << "fabctl: give a command; see `fabctl --help`\n";
        return kExitUsage;
    }
    return std::nullopt;
}

Outcome parse_command_only(const std::vector<std::string>& args, Invocation& inv) {
    CLI::App app{"fabctl", "fabctl"};
    app.require_subcommand(1);
    add_all_commands(app, inv);
    auto refused = parse_args(
        app, args, [](const CLI::ParseError& e, std::optional<std::string> explained) -> Outcome {
            std::string what = explained ? *explained : e.what();
            // CLI11 says "--role: boss not in {...}": the option is the where, as in our own
            // errors.
            auto colon = what.find(": ");
            if (!explained && what.rfind("--", 0) == 0 && colon != std::string::npos)
                return usage_failure(what.substr(0, colon), what.substr(colon + 2));
            return usage_failure("", what);
        });
    if (refused) return *refused;
    return {};
}

}  // namespace fabgate::ctl

// usage report; billing close | batches | export
#include <map>

#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"
#include "ctl/queries.hpp"

namespace fabgate::ctl {
namespace {

// --format wins over --json; neither: a table for a person.
Format output_format(const CommandContext& s, const std::string& format, Format fallback) {
    if (format == "csv") return Format::Csv;
    if (format == "json") return Format::Json;
    if (format == "table") return Format::Text;
    return s.json ? Format::Json : fallback;
}

struct Totals {
    std::int64_t sessions = 0, powered_ms = 0, active_ms = 0, billable_s = 0, amount_minor = 0,
                 unpriced = 0;
};

std::vector<Cell> usage_cells(Cell key, Cell name, const std::string& currency, const Totals& v) {
    std::vector<Cell> row{std::move(key), std::move(name), currency, v.sessions};
    add_metered_cells(row, {v.powered_ms, v.active_ms, v.billable_s, v.amount_minor}, currency);
    row.emplace_back(v.unpriced);
    return row;
}

struct ReportOptions {
    std::string from, to, by = "member", format;

    void declare(CommandSpec command) {
        command.add_option("--from", from, "start (date or UTC time), included").required();
        command.add_option("--to", to, "end (date or UTC time), excluded").required();
        command.add_option("--by", by, "member (default), machine or session")
            .must_be_one_of({"member", "machine", "session"});
        command.add_option("--format", format, "table (default), csv or json")
            .must_be_one_of({"table", "csv", "json"});
    }
};

void warn_unpriced(CommandContext& s, std::int64_t unpriced) {
    if (unpriced)
        *s.err << "fabctl: warning: " << unpriced
               << " session(s) have no tariff and count as 0 (see `fabctl tariffs list`)\n";
}

// --by session: every session that ended in the period, one line each.
Outcome report_sessions(CommandContext& s, UnixMs from, UnixMs to, Format format) {
    TRY_ASSIGN(auto sessions, s.ledger().reports().sessions_ended_between(from, to));
    std::int64_t unpriced = 0;
    for (const auto& l : sessions) unpriced += l.tariff_id ? 0 : 1;
    render(session_table(sessions), format, *s.out, "(no sessions ended in this period)");
    warn_unpriced(s, unpriced);
    return {};
}

// --by member|machine: sums per key and currency, with per-currency totals.
Outcome report_usage(CommandContext& s, const ReportOptions& o, UnixMs from, UnixMs to,
                     Format format) {
    auto& out = *s.out;
    TRY_ASSIGN(auto rows, o.by == "machine" ? s.ledger().reports().usage_by_machine(from, to)
                                            : s.ledger().reports().usage_by_member(from, to));

    Table t{{o.by, false, o.by == "machine" ? "machine" : "member"},
            {"name"},
            {"currency"},
            {"sessions", true}};
    add_metered_columns(t);
    t.columns.emplace_back("unpriced", true);
    std::map<std::string, Totals> totals;  // per currency: amounts in two currencies never add
    for (const auto& r : rows) {
        Totals v{r.sessions, r.powered_ms, r.active_ms, r.billable_s, r.amount_minor, r.unpriced};
        t.add(usage_cells(r.key, r.label, r.currency, v));
        auto& sum = totals[r.currency];
        sum.sessions += v.sessions;
        sum.powered_ms += v.powered_ms;
        sum.active_ms += v.active_ms;
        sum.billable_s += v.billable_s;
        sum.amount_minor += v.amount_minor;
        sum.unpriced += v.unpriced;
    }
    std::int64_t unpriced = 0;
    for (const auto& [currency, sum] : totals) unpriced += sum.unpriced;

    if (format == Format::Json) {
        Table total_table = t;
        total_table.rows.clear();
        total_table.columns.erase(total_table.columns.begin(), total_table.columns.begin() + 2);
        for (const auto& [currency, sum] : totals) {
            auto row = usage_cells("", "", currency, sum);
            total_table.add(std::vector<Cell>(row.begin() + 2, row.end()));
        }
        JsonValue j{{"from", format_iso(from)},
                    {"to", format_iso(to)},
                    {"by", o.by},
                    {"rows", to_json(t)},
                    {"totals", to_json(total_table)}};
        out << dump_json(j) << "\n";
    } else if (format == Format::Csv) {
        render_csv(t, out);
    } else {
        out << "Usage from " << format_short(from) << " to " << format_short(to)
            << " (sessions that ended in this period; minutes of powered, active and billed "
               "time)\n";
        for (const auto& [currency, sum] : totals) t.add(usage_cells("TOTAL", "", currency, sum));
        render_text(t, out, "(no sessions ended in this period)");
    }
    warn_unpriced(s, unpriced);
    return {};
}

Outcome report(CommandContext& s, const ReportOptions& o) {
    TRY_ASSIGN(auto from, time_arg("--from", o.from));
    TRY_ASSIGN(auto to, time_arg("--to", o.to));
    if (to <= from) return usage_failure("--to", "must be after --from");
    Format format = output_format(s, o.format, Format::Text);
    if (o.by == "session") return report_sessions(s, from, to, format);
    return report_usage(s, o, from, to, format);
}

using ledger::CurrencyTotal;

// "123.40 EUR, 5000 JPY" for people; [{"currency": "EUR", "amount_minor": 12340, ...}] for
// programs.
Cell totals_cell(const std::vector<CurrencyTotal>& totals) {
    std::string text;
    auto json = JsonValue::array();
    for (const auto& t : totals) {
        text += (text.empty() ? "" : ", ") + format_money(t.amount_minor, t.currency);
        json.push_back(
            {{"currency", t.currency}, {"amount_minor", t.amount_minor}, {"sessions", t.sessions}});
    }
    return Cell(text, json);
}

// The first batch has no start: it holds everything that ended before its end.
Cell period_start_cell(const ledger::BillingBatch& b) {
    return b.period_start == 0 ? Cell("(first)", nullptr) : time_cell(b.period_start);
}

JsonValue batch_json(const ledger::BillingBatch& b, const std::vector<CurrencyTotal>& totals) {
    return {{"id", b.id},
            {"period_start", period_start_cell(b).value},
            {"period_end", format_iso(b.period_end)},
            {"closed_at", format_iso(b.closed_at)},
            {"closed_by", b.closed_by},
            {"sessions", b.sessions},
            {"late_sessions", b.late_sessions},
            {"totals", totals_cell(totals).value}};
}

struct CloseOptions {
    std::string to;

    void declare(CommandSpec command) {
        command.add_option("--to", to, "end of the period (date or UTC time), excluded").required();
    }
};

// Refuses an end that cannot be closed, in the words and dates the manager typed, before the
// ledger's own check (which speaks in milliseconds) is reached.
Outcome check_close_end(CommandContext& s, const CloseOptions& o, UnixMs to,
                        const std::vector<ledger::BillingBatch>& before, bool& again) {
    if (to > s.now)
        return usage_failure("--to", "'" + o.to + "' (" + format_short(to) +
                                         ") is in the future: close a period once it has ended");
    const ledger::BillingBatch* latest = nullptr;
    for (const auto& b : before) {
        again = again || b.period_end == to;
        if (!latest || b.period_end > latest->period_end) latest = &b;
    }
    if (!again && latest && to < latest->period_end)
        return usage_failure(
            "--to", "'" + o.to + "' is before the end of the last closed period, " +
                        format_short(latest->period_end) + " (batch " + std::to_string(latest->id) +
                        "): close a later end; sessions that arrive late for a closed period "
                        "go into the next batch");
    return {};
}

// A session that ended after now came from a gate whose clock is ahead: it is priced, but no
// close takes it until one whose period ends after it (docs/fabctl.md, "Billing").
JsonValue ended_in_future_json(const std::vector<ledger::EndedInFuture>& gates, UnixMs now) {
    auto list = JsonValue::array();
    for (const auto& g : gates)
        list.push_back({{"site", g.site},
                        {"machine", g.machine},
                        {"sessions", g.sessions},
                        {"latest_ended_at", format_iso(g.latest_ended_at)},
                        {"ahead_ms", g.latest_ended_at - now}});
    return list;
}

// Told with the close itself (the web console shows that text), one line per gate.
void tell_ended_in_future(CommandContext& s, const std::vector<ledger::EndedInFuture>& gates) {
    for (const auto& g : gates)
        *s.out << "not in this batch: " << g.sessions << " session(s) from " << g.site << "/"
               << g.machine << " that ended in the future, up to "
               << format_duration_s((g.latest_ended_at - s.now + 999) / 1000) << " ahead of now ("
               << format_short(g.latest_ended_at)
               << "): that gate's clock is ahead; they are billed by the first close whose "
                  "period ends after them\n";
}

Outcome close(CommandContext& s, const CloseOptions& o) {
    TRY_ASSIGN(auto to, time_arg("--to", o.to));
    TRY_ASSIGN(auto before, s.ledger().billing().batches());
    bool again = false;
    TRY(check_close_end(s, o, to, before, again));
    TRY_ASSIGN(auto batch, s.ledger().billing().close_period(to, s.actor, s.now));
    TRY_ASSIGN(auto totals, s.ledger().billing().batch_totals(batch.id));
    TRY_ASSIGN(auto future, s.ledger().billing().ended_after(s.now));
    if (s.json) {
        auto j = batch_json(batch, totals);
        j["already_closed"] = again;
        j["ended_in_future"] = ended_in_future_json(future, s.now);
        *s.out << dump_json(j) << "\n";
        return {};
    }
    auto amounts = totals_cell(totals).text;
    *s.out << (again ? "already closed: " : "closed: ") << "batch " << batch.id << ", sessions "
           << "that ended before " << format_short(batch.period_end)
           << (batch.period_start == 0 ? " (first batch)"
                                       : " (period from " + format_short(batch.period_start) + ")")
           << ": " << batch.sessions << " session(s)";
    if (batch.late_sessions) *s.out << ", " << batch.late_sessions << " of them late";
    *s.out << (amounts.empty() ? "" : ", " + amounts) << "\n";
    if (again)
        *s.out << "(closed " << format_short(batch.closed_at) << " by " << batch.closed_by
               << "; nothing changed)\n";
    tell_ended_in_future(s, future);
    *s.out << "export it with `fabctl billing export " << batch.id << "`\n";
    return {};
}

struct BatchesOptions {};

Outcome batches(CommandContext& s, const BatchesOptions&) {
    TRY_ASSIGN(auto all, s.ledger().billing().batches());
    Table t{{"batch", true, "id"},
            {"period_start"},
            {"period_end"},
            {"sessions", true},
            {"late", true, "late_sessions"},
            {"amounts", false, "totals"},
            {"closed", false, "closed_at"},
            {"closed_by"}};
    for (const auto& b : all) {
        TRY_ASSIGN(auto totals, s.ledger().billing().batch_totals(b.id));
        t.add({b.id, period_start_cell(b), time_cell(b.period_end), b.sessions, b.late_sessions,
               totals_cell(totals), time_cell(b.closed_at), b.closed_by});
    }
    render(t, s.format(), *s.out, "(no batches yet: `fabctl billing close --to DATE`)");
    return {};
}

struct ExportOptions {
    std::int64_t batch = 0;
    std::string format;

    void declare(CommandSpec command) {
        command.add_option("BATCH", batch, "batch number").required().must_be_positive();
        command.add_option("--format", format, "csv (default) or json")
            .must_be_one_of({"csv", "json"});
    }
};

Outcome export_batch(CommandContext& s, const ExportOptions& o) {
    TRY_ASSIGN(auto batch, s.ledger().billing().batch(o.batch));
    if (!batch)
        return runtime_failure("batch " + std::to_string(o.batch),
                               "does not exist (see `fabctl billing batches`)");
    Format format = output_format(s, o.format, Format::Csv);
    if (format == Format::Json) {
        TRY_ASSIGN(auto sessions, s.ledger().reports().sessions_in_batch(o.batch));
        TRY_ASSIGN(auto totals, s.ledger().billing().batch_totals(o.batch));
        auto j = batch_json(*batch, totals);
        j["sessions_detail"] = to_json(session_table(sessions));
        *s.out << dump_json(j) << "\n";
        return {};
    }
    // The ledger's own export: its columns are documented for billing systems.
    return check(s.ledger().billing().export_batch_csv_text(o.batch, [&](std::string_view text) {
        s.out->write(text.data(), static_cast<std::streamsize>(text.size()));
    }));
}

}  // namespace

void add_billing_commands(CommandSpec app, Invocation& inv) {
    auto usage = add_command_group(app, "usage", "metered machine time and amounts");
    add_command<ReportOptions>(usage, inv, "report",
                               "minutes and amounts of sessions that ended in [--from, --to)",
                               report);
    auto billing = add_command_group(app, "billing", "close billing periods and export them");
    add_command<CloseOptions>(
        billing, inv, "close",
        "put every unbilled session that ended before --to into a new numbered batch; closing "
        "the same --to again returns the same batch",
        close);
    add_command<BatchesOptions>(billing, inv, "batches", "closed batches", batches);
    add_command<ExportOptions>(billing, inv, "export", "a batch's sessions, for invoicing",
                               export_batch);
}

}  // namespace fabgate::ctl

// errors (list) | errors replay: what the ledger refused or holds, and bringing held sessions
// back once the manager has added what they lacked.
#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

struct ErrorsOptions {
    RowLimit limit;

    void declare(CommandSpec command) { limit.declare(command, "how many of each"); }
};

Outcome list_errors(CommandContext& s, const ErrorsOptions& o) {
    TRY_ASSIGN(auto refused, s.ledger().ingest().ingest_errors(o.limit.value));
    TRY_ASSIGN(auto conflicts, s.ledger().ingest().conflicts(o.limit.value));
    Table e{{"id", true}, {"received", false, "received_at"}, {"state"}, {"topic"}, {"session"},
            {"reason"}};
    for (const auto& r : refused)
        e.add({r.id, time_cell(r.received_at), r.state, r.topic, r.session_id, r.reason});
    Table c{{"id", true},    {"received", false, "received_at"},
            {"session"},     {"topic"},
            {"stored_hash"}, {"payload_hash"}};
    for (const auto& r : conflicts)
        c.add(
            {r.id, time_cell(r.received_at), r.session_id, r.topic, r.stored_hash, r.payload_hash});
    TRY_ASSIGN(auto counts, s.ledger().ingest().refused_counts());
    Table n{{"site"}, {"machine"}, {"refused", true}, {"payload not kept", true, "not_stored"}};
    for (const auto& r : counts) n.add({r.site, r.machine, r.refused, r.not_stored});
    if (s.json) {
        *s.out << dump_json({{"refused", to_json(e)},
                             {"conflicts", to_json(c)},
                             {"refused_per_machine", to_json(n)}})
               << "\n";
        return {};
    }
    *s.out << "Refused and held session messages (stored in ingest_errors; 'parked' ones wait "
              "for a machine, member or tariff, and are billed as soon as it is added)\n";
    render_text(e, *s.out);
    *s.out << "\nConflicts (same session id, different content; the first one was kept; one row "
              "per distinct payload)\n";
    render_text(c, *s.out);
    *s.out << "\nRefusals and conflicts per machine (payloads over "
           << ledger::kRefusedStoredPerMinute << " a minute keep only hash and size)\n";
    render_text(n, *s.out);
    return {};
}

struct ReplayOptions {
    std::string machine;
    bool refused_too = false;

    void declare(CommandSpec command) {
        command.add_option("--machine", machine, "only this machine's (SITE/ID)");
        command.add_flag("--refused-too", refused_too,
                         "also retry refused messages that carry a session id");
    }
};

Outcome replay(CommandContext& s, const ReplayOptions& o) {
    std::string site, id;
    if (!o.machine.empty()) {
        auto slash = o.machine.find('/');
        if (slash == std::string::npos)
            return usage_failure("--machine",
                                 "'" + o.machine + "': write SITE/ID, like lab/laser-1");
        site = o.machine.substr(0, slash);
        id = o.machine.substr(slash + 1);
        TRY(id_arg("--machine", site));
        TRY(id_arg("--machine", id));
    }
    TRY_ASSIGN(auto report,
               s.ledger().ingest().replay_parked(s.actor, s.now, site, id, o.refused_too));
    if (s.json) {
        *s.out << dump_json({{"ingested", report.ingested},
                             {"already_stored", report.duplicates},
                             {"still_held", report.still_held},
                             {"sessions", report.ids}})
               << "\n";
        return {};
    }
    *s.out << "replayed: " << report.ingested << " session(s) ingested and priced";
    if (report.duplicates) *s.out << ", " << report.duplicates << " already stored";
    *s.out << "; " << report.still_held << " still held";
    if (report.still_held) *s.out << " (see `fabctl errors` for why)";
    *s.out << "\n";
    return {};
}

std::string replay_held(CommandContext& s, const std::string& site, const std::string& id) {
    auto report = s.ledger().ingest().replay_parked(s.actor, s.now, site, id);
    const std::string whose = site.empty() ? std::string() : " of " + site + "/" + id;
    if (!report)
        return "warning: held sessions" + whose +
               " were not replayed: " + report.error().message() + " (run `fabctl errors replay`)";
    if (report->ingested + report->duplicates == 0) return {};
    return std::to_string(report->ingested + report->duplicates) + " held session(s)" + whose +
           " ingested and priced";
}

}  // namespace

void tell_replayed(CommandContext& s, const std::string& site, const std::string& id) {
    auto held = replay_held(s, site, id);
    if (held.empty()) return;
    // --json output stays one document: the note goes beside it.
    *(s.json ? s.err : s.out) << held << "\n";
}

Outcome report_parked(CommandContext& s) {
    TRY_ASSIGN(auto parked, s.ledger().ingest().parked_summary());
    *s.out << "held sessions: " << parked.sessions << " (" << format_minutes(parked.powered_ms)
           << " powered minutes, not billed until replayed";
    if (parked.sessions) *s.out << ": add what `fabctl errors` says they lack, and they are billed";
    *s.out << ")\n";
    return {};
}

void add_error_commands(CommandSpec app, Invocation& inv) {
    auto o = std::make_shared<ErrorsOptions>();
    auto errors = app.add_subcommand(
        "errors", "session messages the ledger refused or holds, and conflicting duplicates");
    o->declare(errors);
    add_command<ReplayOptions>(
        errors, inv, "replay",
        "ingest held sessions whose machine, member or tariff now exists, priced as usual", replay);
    // CLI11 runs the parent's callback after the subcommand's: list only for a bare `errors`.
    errors.callback([&inv, o, errors] {
        if (errors.subcommand_given()) return;
        inv.database = Invocation::Database::Existing;
        inv.action = [o](CommandContext& s) { return list_errors(s, *o); };
    });
}

}  // namespace fabgate::ctl

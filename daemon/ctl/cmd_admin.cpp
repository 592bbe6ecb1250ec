// init | check | audit
#include <vector>

#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

struct NoOptions {};

Outcome init(Session& s, const NoOptions&) {
    // The database was opened (and created or migrated) before this runs.
    auto count = s.ledger().session_count();
    if (!count) return runtime_error(count.error());
    *s.out << "ledger " << s.ledger().database().path() << " is ready (schema version "
           << s.ledger().database().schema_version() << ", " << *count << " session(s))\n";
    return {};
}

struct CheckOptions {};

Outcome check_db(Session& s, const CheckOptions&) {
    // fabctl opens without the integrity check (it is O(file size)); this command pays it.
    auto check = s.ledger().database().prepare("PRAGMA quick_check");
    if (!check) return runtime_error(check.error());
    std::vector<std::string> problems;
    while (true) {
        auto row = check->step();
        if (!row) return runtime_error(row.error());
        if (!*row) break;
        if (check->text(0) != "ok") problems.push_back(check->text(0));
    }
    const auto& path = s.ledger().database().path();
    if (!problems.empty()) {
        std::string what = "is corrupt: " + problems.front();
        if (problems.size() > 1) what += " (and " + std::to_string(problems.size() - 1) + " more)";
        return runtime_error(path, what + ". Stop fabledger, restore a backup or move it aside.");
    }
    *s.out << path << ": ok (integrity check passed, schema version "
           << s.ledger().database().schema_version() << ")\n";
    return report_parked(s);
}

struct AuditOptions {
    int limit = 50;
};

Outcome audit(Session& s, const AuditOptions& o) {
    auto rows = s.ledger().audit_log(o.limit);
    if (!rows) return runtime_error(rows.error());
    Table t{{"id", true}, {"at"}, {"actor"}, {"action"}, {"subject"}, {"before"}, {"after"}};
    for (const auto& r : *rows) {
        auto json_cell = [](const std::string& text) {
            if (text.empty()) return Cell("", nullptr);
            auto parsed = JsonValue::parse(text, nullptr, false);
            return Cell(text, parsed.is_discarded() ? JsonValue(text) : parsed);
        };
        t.add({r.id, time_cell(r.at), r.actor, r.action, r.subject, json_cell(r.before_json),
               json_cell(r.after_json)});
    }
    render(t, s.format(), *s.out, "(the audit log is empty)");
    return {};
}

}  // namespace

void add_admin_commands(CLI::App& app, Invocation& inv) {
    {
        auto o = std::make_shared<NoOptions>();
        auto* c = app.add_subcommand("init", "create the ledger database if it does not exist");
        on_run(c, inv, o, init, Invocation::Database::Create);
    }
    {
        auto o = std::make_shared<CheckOptions>();
        auto* c = app.add_subcommand("check", "verify the ledger database's integrity");
        on_run(c, inv, o, check_db);
    }
    {
        auto o = std::make_shared<AuditOptions>();
        auto* c = app.add_subcommand("audit", "who changed what, newest first");
        c->add_option("--limit", o->limit, "how many entries (default 50)")
            ->check(CLI::Range(1, 1000000));
        on_run(c, inv, o, audit);
    }
}

}  // namespace fabgate::ctl

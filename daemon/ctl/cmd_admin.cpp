// init | check | audit | purge
#include <sys/stat.h>

#include <cstdio>
#include <optional>
#include <vector>

#include "ctl/args.hpp"
#include "ctl/command.hpp"
#include "ctl/parse.hpp"

namespace fabgate::ctl {
namespace {

struct NoOptions {};

Outcome init(CommandContext& s, const NoOptions&) {
    // The database was opened (and created or migrated) before this runs.
    TRY_ASSIGN(auto count, s.ledger().reports().session_count());
    *s.out << "ledger " << s.ledger().path() << " is ready (schema version "
           << s.ledger().schema_version() << ", " << count << " session(s))\n";
    return {};
}

struct CheckOptions {};

Outcome check_db(CommandContext& s, const CheckOptions&) {
    // fabctl opens without the integrity check (it is O(file size)); this command pays it.
    TRY_ASSIGN(auto problems, s.ledger().integrity_problems());
    const auto& path = s.ledger().path();
    if (!problems.empty()) {
        std::string what = "is corrupt: " + problems.front();
        if (problems.size() > 1) what += " (and " + std::to_string(problems.size() - 1) + " more)";
        return runtime_failure(path, what + ". Stop fabledger, restore a backup or move it aside.");
    }
    TRY_ASSIGN(auto chain, s.ledger().audit().verify_chain());
    if (chain.first_broken)
        return runtime_failure(path, "audit log row " + std::to_string(*chain.first_broken) + " " +
                                         chain.problem +
                                         ": the audit log was changed outside fabctl. Keep a copy "
                                         "of the file and compare it with a backup.");
    struct stat file {};
    if (::stat(path.c_str(), &file) == 0 && (file.st_mode & 0007) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file.st_mode & 07777));
        *s.err << "fabctl: warning: " << path << " is open to every local user (mode " << mode
               << "): members' personal data. chmod 0660 it and its -wal and -shm files\n";
    }
    *s.out << path << ": ok (integrity check passed, schema version " << s.ledger().schema_version()
           << "; audit chain of " << chain.rows << " row(s) verified, " << chain.redacted
           << " redacted by members forget)\n";
    return report_parked(s);
}

struct AuditOptions {
    RowLimit limit;

    void declare(CommandSpec command) { limit.declare(command, "how many entries"); }
};

Outcome audit(CommandContext& s, const AuditOptions& o) {
    TRY_ASSIGN(auto rows, s.ledger().audit().rows(o.limit.value));
    Table t{{"id", true}, {"at"},      {"actor"},  {"unix_user"},
            {"action"},   {"subject"}, {"before"}, {"after"}};
    for (const auto& r : rows) {
        auto json_cell = [](const std::string& text) {
            if (text.empty()) return Cell("", nullptr);
            auto parsed = JsonValue::parse(text, nullptr, false);
            return Cell(text, parsed.is_discarded() ? JsonValue(text) : parsed);
        };
        t.add({r.id, time_cell(r.at), r.actor, r.os_user, r.action, r.subject,
               json_cell(r.before_json), json_cell(r.after_json)});
    }
    render(t, s.format(), *s.out, "(the audit log is empty)");
    return {};
}

struct PurgeOptions {
    std::optional<int> days;

    void declare(CommandSpec command) {
        command.add_option("--days", days, "keep this many days instead of retention_days")
            .must_be_in_range(0, 36500);
    }
};

Outcome purge(CommandContext& s, const PurgeOptions& o) {
    int days = o.days.value_or(s.config->retention_days);
    UnixMs cut_off = s.now - static_cast<UnixMs>(days) * 86'400'000;
    TRY_ASSIGN(auto purged, s.ledger().privacy().purge_expired(cut_off, s.actor, s.now));
    *s.out << "purged what is older than " << days << " day(s): " << purged.unknown_badges
           << " unknown-badge sighting(s), " << purged.ingest_errors << " refused payload(s), "
           << purged.conflicts << " conflicting duplicate(s)\n";
    return {};
}

}  // namespace

void add_admin_commands(CommandSpec app, Invocation& inv) {
    add_command<NoOptions>(app, inv, "init", "create the ledger database if it does not exist",
                           init, Invocation::Database::Create);
    add_command<CheckOptions>(app, inv, "check", "verify the ledger database's integrity",
                              check_db);
    add_command<AuditOptions>(app, inv, "audit", "who changed what, newest first", audit);
    add_command<PurgeOptions>(
        app, inv, "purge",
        "delete unknown-badge sightings and refused payloads older than the retention period "
        "(the config's retention_days); run daily",
        purge);
}

}  // namespace fabgate::ctl

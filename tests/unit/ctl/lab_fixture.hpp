#pragma once
// A temporary ledger driven through fabctl in-process, with a ledger config that can name the
// lab's time zone. Sessions arrive as a gate would send them.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/messages.hpp"
#include "core/topics.hpp"
#include "ctl/fabctl.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::test {

inline constexpr UnixMs kMinuteMs = 60'000;

struct CtlRun {
    int code = -1;
    std::string out, err;
    nlohmann::json parsed() const { return nlohmann::json::parse(out); }
};

// What fabctl sees of its surroundings in a test: the clock the test moves, and alice as $USER.
inline ctl::Environment manager_environment(std::function<UnixMs()> now) {
    ctl::Environment e;
    e.now = std::move(now);
    e.getenv = [](const char* name) -> std::optional<std::string> {
        if (std::string(name) == "USER") return "alice";
        return std::nullopt;
    };
    return e;
}

inline CtlRun run_in_process(const std::vector<std::string>& args, const ctl::Environment& e) {
    std::ostringstream out, err;
    CtlRun r;
    r.code = ctl::run_fabctl(args, out, err, e);
    r.out = out.str();
    r.err = err.str();
    return r;
}

// A temporary ledger file and fabctl run on it in-process; how fabctl finds the file is the
// derived lab's choice (run).
struct TempLedgerLab {
    std::filesystem::path dir;
    std::string db_path;

    explicit TempLedgerLab(std::string prefix) {
        std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
        dir = mkdtemp(tmpl.data());
        db_path = (dir / "ledger.db").string();
    }
    virtual ~TempLedgerLab() { std::filesystem::remove_all(dir); }
    TempLedgerLab(const TempLedgerLab&) = delete;
    TempLedgerLab& operator=(const TempLedgerLab&) = delete;

    virtual CtlRun run(std::vector<std::string> args) = 0;
    // A step of the set-up that must work.
    std::string ok(std::vector<std::string> args) {
        auto r = run(std::move(args));
        INFO(r.err);
        REQUIRE(r.code == 0);
        return r.out;
    }
    // Direct access for what only gates produce: sessions, sightings, states.
    ledger::LedgerDb open() {
        auto db = ledger::LedgerDb::open(db_path);
        REQUIRE(db);
        return std::move(*db);
    }
};

struct ZonedLab : TempLedgerLab {
    std::string config_path;
    UnixMs now = 0;

    explicit ZonedLab(const std::string& time_zone, UnixMs now_ms)
        : TempLedgerLab("fabctl-zone"), now(now_ms) {
        config_path = (dir / "ledger.json").string();
        nlohmann::json config{{"database", db_path}};
        if (!time_zone.empty()) config["time_zone"] = time_zone;
        std::ofstream(config_path) << config.dump();
    }

    CtlRun run(std::vector<std::string> args) override {
        args.insert(args.begin(), {"--config", config_path});
        return run_in_process(args, manager_environment([this] { return now; }));
    }
    void setup() {
        ok({"init"});
        ok({"machines", "add", "lab/laser-1", "--name", "Laser cutter"});
        ok({"members", "add", "m-1", "--name", "Ann", "--class", "student"});
        ok({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "12.00", "--from",
            "2026-01-01T00:00Z"});
    }
};

inline SessionRecord gate_session(std::string id, std::string member, std::string machine,
                                  UnixMs start, UnixMs end) {
    SessionRecord s;
    s.id = std::move(id);
    s.site = "lab";
    s.machine = std::move(machine);
    s.uid = "04A1B2C3";
    s.member = std::move(member);
    s.started_at = start;
    s.ended_at = end;
    s.clock_synced = true;
    s.powered_ms = end - start;
    return s;
}

// What a gate's batch of session messages becomes in the ledger.
inline ledger::IngestSummary deliver(ledger::LedgerDb& db,
                                     const std::vector<SessionRecord>& sessions, UnixMs now) {
    ledger::IngestBatch batch;
    for (const auto& s : sessions)
        batch.sessions.push_back(ledger::classify_session_message(
            topics::machine(s.site, s.machine, "sessions"), encode(s)));
    auto summary = db.ingest().apply(batch, now);
    REQUIRE(summary);
    return *summary;
}

}  // namespace fabgate::test

#pragma once
// fabctl end to end, in-process, against a temporary ledger file: what the manager types, what
// comes out, what the exit code is, and what the ledger then holds. Machine commands go to a
// fake gate whose answer the test chooses.
#include <fstream>
#include <optional>
#include <sstream>

#include "ctl/broker_publish.hpp"
#include "lab_fixture.hpp"

namespace fabgate::test {

inline constexpr UnixMs kFeb1 = 1'769'904'000'000;  // 2026-02-01T00:00:00Z
inline constexpr UnixMs kMar1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
inline constexpr UnixMs kMinute = kMinuteMs;

using Run = CtlRun;

struct Published {
    std::string topic, payload;
    BrokerConfig login;
};

struct Lab final : TempLedgerLab {
    UnixMs now = kMar1 + 10 * kMinute;
    std::vector<Published> published;
    std::optional<Error> broker_failure;
    // What the fake gate answers: confirmed unless told otherwise.
    ctl::Delivery gate_answer = ctl::Delivery::Confirmed;

    Lab() : TempLedgerLab("fabctl-test") {}

    ctl::Environment env() {
        auto e = manager_environment([this] { return now; });
        e.send_command = [this](const BrokerConfig& login,
                                const ctl::CommandRequest& request) -> ctl::CommandDelivery {
            ctl::CommandDelivery d;
            d.where = "broker " + login.host + ":" + std::to_string(login.port);
            if (broker_failure) {
                d.outcome = ctl::Delivery::BrokerUnreachable;
                d.where = broker_failure->where;
                d.detail = broker_failure->what;
                return d;
            }
            published.push_back({request.command_topic, encode(request.command), login});
            d.outcome = gate_answer;
            d.detail = gate_answer == ctl::Delivery::Confirmed ? "the gate reports maintenance"
                                                               : "no state showing it within 5.0 s";
            return d;
        };
        return e;
    }

    // fabctl --db <temp> args...
    Run run(std::vector<std::string> args) override {
        args.insert(args.begin(), {"--db", db_path});
        return run_raw(args);
    }
    Run run_raw(const std::vector<std::string>& args) { return run_in_process(args, env()); }

    void standard_setup() {
        ok({"init"});
        ok({"machines", "add", "lab/laser-1", "--name", "Laser cutter", "--group", "lasers"});
        ok({"machines", "add", "lab/printer-1", "--name", "Prusa MK4"});
        ok({"members", "add", "m-1", "--name", "Smith, \"Al\"", "--class", "student"});
        ok({"members", "add", "m-2", "--name", "Bob", "--class", "company"});
    }
};

inline SessionRecord session(std::string id, std::string member, std::string machine, UnixMs start,
                             std::int64_t minutes) {
    return gate_session(std::move(id), std::move(member), std::move(machine), start,
                        start + minutes * kMinute);
}

// Sessions every one of which the ledger must store.
inline void ingest(ledger::LedgerDb& db, const std::vector<SessionRecord>& sessions,
                   std::vector<ledger::SeenBadge> seen = {}) {
    ledger::IngestBatch batch;
    for (const auto& s : sessions)
        batch.sessions.push_back(ledger::classify_session_message(
            topics::machine(s.site, s.machine, "sessions"), encode(s)));
    batch.unknown_badges = std::move(seen);
    auto summary = db.ingest().apply(batch, kMar1);
    REQUIRE(summary);
    REQUIRE(summary->stored == static_cast<std::int64_t>(sessions.size()));
}

inline std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace fabgate::test

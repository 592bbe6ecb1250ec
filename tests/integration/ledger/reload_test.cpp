// `systemctl reload fabledger` sends SIGHUP: the ledger re-reads its config, applies what can
// change while it runs, keeps everything if the file is wrong, and republishes the lists.
#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_harness.hpp"
#include "ledger_seed.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using namespace fabgate::ledger_test;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

std::string config_text(const std::string& db, int port, const std::string& extra) {
    return R"({"database": ")" + db + R"(", "broker": {"host": "127.0.0.1", "port": )" +
           std::to_string(port) + R"(}, "acl_refresh_s": 3600)" + extra + "}";
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("SIGHUP reloads the config, refuses a wrong one whole, and republishes the lists") {
    AliceAndLaserLab lab(kT0);
    auto config = lab.dir.file("ledger.json");
    auto log_path = lab.dir.file("fabledger.log");
    std::ofstream(config) << config_text(lab.db_path, lab.broker.port(),
                                         R"(, "log_level": "info")");
    Child ledger({FABLEDGER_BIN, "--config", config}, log_path);

    Client gate(lab.broker.port(), "gate-laser-1");
    std::vector<AccessList> lists;
    gate.on_message([&](std::string_view, std::string_view payload, bool) {
        auto snap = decode_access_list(payload);
        REQUIRE(snap);
        lists.push_back(snap->list);
    });
    REQUIRE(gate.run_until([&] { return gate.link().connected(); }, Ms(5000)));
    gate.link().subscribe(topics::machine("lab", "laser-1", "acl"), 1);
    REQUIRE(gate.run_until([&] { return !lists.empty(); }, Ms(10'000)));
    auto db = *LedgerDb::open(lab.db_path);
    auto role_seen = [&](Role role) {
        const auto* e = lists.back().find(Uid::parse("04A1B2C3").value());
        return e && e->role == role;
    };
    auto set_role = [&](Role role, UnixMs at) {
        Right r;
        r.member_id = "m-1";
        r.target = "laser-1";
        r.role = role;
        REQUIRE(db.rights().grant(r, "fabctl:bob", at));
        REQUIRE(gate.run_until([&] { return role_seen(role); }, Ms(2000)));
    };

    // A config that does not parse: nothing changes, the field is named, the ledger runs on.
    std::ofstream(config) << config_text(lab.db_path, lab.broker.port(),
                                         R"(, "log_level": "error", "batch_max_ms": 0)");
    ledger.send(SIGHUP);
    REQUIRE(gate.run_until(
        [&] { return read_file(log_path).find("reload refused") != std::string::npos; }, Ms(5000)));
    CHECK(read_file(log_path).find("batch_max_ms") != std::string::npos);
    REQUIRE(ledger.running());
    set_role(Role::User, kT0 + 1);
    // Still at "info": the new version was logged.
    CHECK(occurrences(read_file(log_path), "is now version") == 2);

    // A valid one: log_level applies at once, the broker waits for a restart, lists go out.
    auto before = lists.size();
    std::ofstream(config) << config_text(lab.db_path, lab.broker.port() + 1,
                                         R"(, "log_level": "warning", "acl_poll_ms": 100)");
    ledger.send(SIGHUP);
    REQUIRE(gate.run_until([&] { return lists.size() > before; }, Ms(5000)));
    CHECK(lists.back().version == lists[before - 1].version);  // same list, sent again
    auto log = read_file(log_path);
    CHECK(log.find("log_level info -> warning") != std::string::npos);
    CHECK(log.find("acl_poll_ms 500 -> 100") != std::string::npos);
    CHECK(log.find("broker changed: kept as running until the next restart") != std::string::npos);
    REQUIRE(ledger.running());
    // Still on the old broker, now logging warnings only: the change arrives, unlogged.
    set_role(Role::Supervisor, kT0 + 2);
    CHECK(occurrences(read_file(log_path), "is now version") == 2);

    ledger.send(SIGTERM);
    CHECK(ledger.wait_exit(Ms(5000)) == 0);
}

// fabctl for machines: lock, unlock and end-session over the broker, confirmed by the gate or
// said not to be, with the outcome audited.
#include <doctest/doctest.h>

#include "commands_lab.hpp"
#include "ctl/broker_publish.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using namespace fabgate::test;
using nlohmann::json;

TEST_CASE("lock, unlock and end-session publish a command to the machine's topic") {
    Lab lab;
    lab.standard_setup();
    auto r = lab.run({"machines", "lock", "laser-1", "--reason", "new lens"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("confirmed by the gate") != std::string::npos);
    REQUIRE(lab.published.size() == 1);
    CHECK(lab.published[0].topic == "fabgate/lab/machines/laser-1/commands");
    auto command = decode_command(lab.published[0].payload);
    REQUIRE(command);
    CHECK(command->kind == CommandKind::Lock);
    CHECK(command->by == "alice");
    CHECK(command->reason == "new lens");

    lab.ok({"machines", "end-session", "lab/printer-1"});
    REQUIRE(lab.published.size() == 2);
    CHECK(decode_command(lab.published[1].payload)->kind == CommandKind::EndSession);

    auto log = lab.open().audit().rows(1);
    REQUIRE(log);
    CHECK(log->front().action == "machine.end_session");
    CHECK(json::parse(log->front().after_json)["outcome"] == "confirmed");

    lab.broker_failure = Error{"broker 127.0.0.1:1883", "not reachable"};
    auto down = lab.run({"machines", "unlock", "laser-1"});
    CHECK(down.code == 1);
    CHECK(down.err.find("broker 127.0.0.1:1883") != std::string::npos);
    auto audited = lab.open().audit().rows(1);
    CHECK(json::parse(audited->front().after_json)["outcome"] == "broker_unreachable");
    auto unknown = lab.run({"machines", "lock", "laser-9"});
    CHECK(unknown.code == 1);
    CHECK(unknown.err.find("laser-9") != std::string::npos);
}

TEST_CASE("machines list shows the ledger's lock, which an offline gate has not applied yet") {
    Lab lab;
    lab.standard_setup();
    lab.gate_answer = Delivery::NotConfirmed;  // the gate is offline
    CHECK(lab.run({"machines", "lock", "laser-1", "--reason", "new lens"}).code == 1);
    auto rows = lab.run({"--json", "machines", "list"}).parsed();
    REQUIRE(rows.size() == 2);
    for (const auto& row : rows) {
        if (row["machine"] == "lab/laser-1")
            CHECK(row["lock"] == "alice: new lens");
        else
            CHECK(row["lock"].is_null());
    }
    lab.gate_answer = Delivery::Confirmed;
    lab.ok({"machines", "unlock", "laser-1"});
    for (const auto& row : lab.run({"--json", "machines", "list"}).parsed())
        CHECK(row["lock"].is_null());
}

TEST_CASE(
    "a lock is the ledger's desired state: recorded, audited, in the access list; unlock clears "
    "it") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"machines", "lock", "laser-1", "--reason", "new lens"});
    auto db = lab.open();
    auto machine = db.machines().find("lab", "laser-1").value();
    auto lock = db.machines().lock_of("lab", "laser-1").value();
    REQUIRE(lock);
    CHECK(lock->by == "alice");
    CHECK(lock->reason == "new lens");
    CHECK(lock->since == lab.now);
    auto list = db.access_lists().build(*machine, lab.now).value();
    REQUIRE(list.maintenance);
    CHECK(list.maintenance->reason == "new lens");
    // Signed with the list: the lock is part of what the signature covers.
    CHECK(signed_content(list).find("\"maintenance\"") != std::string::npos);
    auto log = db.audit().rows(2).value();
    CHECK(log[0].action == "machine.lock");
    CHECK(log[1].action == "machine.maintenance");
    CHECK(log[1].before_json.empty());
    CHECK(json::parse(log[1].after_json)["reason"] == "new lens");
    CHECK_FALSE(db.access_lists()
                    .build(*db.machines().find("lab", "printer-1").value(), lab.now)
                    .value()
                    .maintenance);

    lab.ok({"machines", "unlock", "laser-1"});
    auto after = lab.open();
    CHECK_FALSE(after.machines().lock_of("lab", "laser-1").value());
    CHECK_FALSE(after.access_lists()
                    .build(*after.machines().find("lab", "laser-1").value(), lab.now)
                    .value()
                    .maintenance);
    CHECK(after.audit().rows(2).value()[1].action == "machine.maintenance");
}

TEST_CASE("a command the gate does not confirm is reported as such, exit 1, and audited") {
    Lab lab;
    lab.standard_setup();
    lab.gate_answer = Delivery::NotConfirmed;
    auto r = lab.run({"machines", "end-session", "laser-1"});
    CHECK(r.code == 1);
    CHECK(r.err.find("not confirmed by the gate") != std::string::npos);
    // Ending a session is no desired state: nothing will bring it to the gate later.
    CHECK(r.err.find("the ledger has") == std::string::npos);
    CHECK(r.out.find("confirmed") == std::string::npos);
    auto log = lab.open().audit().rows(1).value();
    CHECK(log[0].action == "machine.end_session");
    CHECK(json::parse(log[0].after_json)["outcome"] == "not_confirmed");

    auto lock = lab.run({"--json", "machines", "lock", "laser-1"});
    CHECK(lock.code == 1);
    CHECK(lock.parsed()["outcome"] == "not_confirmed");
    CHECK(lock.err.find("the ledger has the lock") != std::string::npos);
}

TEST_CASE("fabctl refuses the ledger's broker login and says why") {
    Lab lab;
    lab.standard_setup();
    auto write = [&](const std::string& name, const std::string& text) {
        auto path = (lab.dir / name).string();
        std::ofstream(path) << text;
        return path;
    };
    auto ledger_login = write("ledger-login.json",
                              R"({"broker": {"host": "localhost", "port": 8883,
                                  "username": "fabledger", "password": "x"}})");
    auto r = lab.run({"--broker-config", ledger_login, "machines", "lock", "laser-1"});
    CHECK(r.code == 1);
    CHECK(r.err.find("'fabledger' is the ledger's") != std::string::npos);
    CHECK(r.err.find("fabgate-enrol-gate --manager") != std::string::npos);
    CHECK(lab.published.empty());
    CHECK_FALSE(lab.open().machines().lock_of("lab", "laser-1").value());  // nothing written

    // A ledger config with a login, and no manager login: refused, never borrowed.
    auto ledger_config = write("ledger.json", R"({"database": ")" + lab.db_path +
                                                  R"(", "broker": {"host": "localhost",
                                                  "port": 8883, "username": "ledger-x",
                                                  "password": "x"}})");
    auto borrowed = lab.run_raw({"--config", ledger_config, "machines", "lock", "laser-1"});
    CHECK(borrowed.code == 1);
    CHECK(borrowed.err.find("'ledger-x' is the ledger's") != std::string::npos);
    CHECK(lab.published.empty());

    auto maria = write("maria.json", R"({"broker": {"host": "localhost", "port": 8883,
                                         "username": "manager-maria", "password": "x"}})");
    auto same_name = write("other.json", R"({"broker": {"username": "ledger-x"}})");
    CHECK(lab.run_raw({"--config", ledger_config, "--broker-config", same_name, "machines", "lock",
                       "laser-1"})
              .code == 1);
    auto ok = lab.run_raw(
        {"--config", ledger_config, "--broker-config", maria, "machines", "lock", "laser-1"});
    INFO(ok.err);
    CHECK(ok.code == 0);
    REQUIRE(lab.published.size() == 1);
    CHECK(lab.published[0].login.username == "manager-maria");
}

TEST_CASE("the gate's state confirms a command only when it shows the command's effect") {
    MachineStatus idle, locked, in_use, offline;
    locked.state = MachineState::Maintenance;
    locked.locked = true;
    in_use.state = MachineState::InUse;
    in_use.session = "s-1";
    offline.state = MachineState::Offline;
    offline.locked = true;
    CHECK(shows_effect(CommandKind::Lock, idle, locked));
    CHECK_FALSE(shows_effect(CommandKind::Lock, idle, idle));
    CHECK_FALSE(shows_effect(CommandKind::Lock, idle, offline));  // the broker's will
    CHECK(shows_effect(CommandKind::Unlock, locked, idle));
    CHECK_FALSE(shows_effect(CommandKind::Unlock, locked, locked));
    CHECK_FALSE(shows_effect(CommandKind::EndSession, in_use, in_use));
    CHECK(shows_effect(CommandKind::EndSession, in_use, idle));
}

TEST_CASE("an unreachable broker is reported, naming it, within the timeout") {
    BrokerConfig broker;
    broker.host = "127.0.0.1";
    broker.port = 1;  // nothing listens there
    CommandRequest request{"fabgate/lab/machines/x/commands", "fabgate/lab/machines/x/state",
                           Command{}, std::chrono::milliseconds(300)};
    auto r = send_and_confirm(broker, request);
    CHECK(r.outcome == Delivery::BrokerUnreachable);
    CHECK(r.where == "broker 127.0.0.1:1");
    CHECK(r.detail.find("not reachable") != std::string::npos);
}

TEST_CASE("machines list shows live state and gates that are not registered") {
    Lab lab;
    lab.standard_setup();
    {
        auto db = lab.open();
        ledger::IngestBatch batch;
        MachineStatus in_use;
        in_use.state = MachineState::InUse;
        in_use.since = lab.now - kMinute;
        in_use.member = "m-1";
        in_use.name = "Al";
        batch.states.push_back({"lab", "laser-1", in_use});
        batch.states.push_back({"lab", "mill-1", MachineStatus{}});
        REQUIRE(db.ingest().apply(batch, lab.now));
    }
    auto j = lab.run({"--json", "machines", "list"}).parsed();
    REQUIRE(j.size() == 3);
    CHECK(j[0]["machine"] == "lab/laser-1");
    CHECK(j[0]["state"] == "in_use");
    CHECK(j[1]["state"].is_null());  // printer never reported
    CHECK(j[2]["machine"] == "lab/mill-1");
    CHECK(j[2]["name"].is_null());
    auto text = lab.run({"machines", "list"});
    CHECK(text.out.find("(not registered)") != std::string::npos);
}

#pragma once
// A lab prepared the way fabctl would, with a real fabledger and test clients acting as gates:
// what the ledger's end-to-end tests share.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <set>

#include "core/ack_wire.hpp"
#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_harness.hpp"

namespace fabgate::ledger_test {

using namespace fabgate::ledger;

constexpr UnixMs kT0 = 1'767'225'600'000;

// A lab prepared the way fabctl would: machines, a member with a badge and a right.
struct Lab {
    TempDir dir;
    std::string db_path = dir.file("ledger.db");
    Broker broker{dir};
    std::string config = dir.file("ledger.json");
    std::string log = dir.file("fabledger.log");
    std::optional<Child> ledger;

    Lab() {
        REQUIRE(broker.up());
        auto db = LedgerDb::open(db_path);
        REQUIRE(db);
        for (auto m : {"laser-1", "laser-2", "printer-1"})
            REQUIRE(db->machines().upsert(
                {"lab", m, m,
                 std::string(m).rfind("laser", 0) == 0 ? std::optional<std::string>("lasers")
                                                       : std::nullopt},
                "test", kT0));
        Member alice;
        alice.id = "m-1";
        alice.name = "Alice";
        REQUIRE(db->members().add(alice, "test", kT0));
        REQUIRE(db->badges().assign("04A1B2C3", "m-1", "", "test", kT0));
        Right r;
        r.member_id = "m-1";
        r.target_kind = TargetKind::Group;
        r.target = "lasers";
        REQUIRE(db->rights().grant(r, "test", kT0));
        std::ofstream(config) << ledger_config(db_path, broker.port());
    }
    ~Lab() {
        if (ledger && ledger->running()) {
            ledger->send(SIGTERM);
            ledger->wait_exit(Ms(5000));
        }
    }
    void start_ledger() {
        ledger.emplace(std::vector<std::string>{FABLEDGER_BIN, "--config", config}, log);
    }
    LedgerDb open_db() { return *LedgerDb::open(db_path); }
};

// A gate's view of the broker: acks and access lists as they arrive.
struct GateClient {
    Client client;
    std::set<std::string> acked;
    std::uint64_t ack_messages = 0;
    std::map<std::string, AccessSnapshot> acl;  // by machine
    std::vector<std::string> acked_but_not_stored;
    LedgerDb* check_db = nullptr;  // set: every acked id must already be in the database

    GateClient(int port, std::string client_id) : client(port, std::move(client_id)) {
        client.link().subscribe("fabgate/lab/machines/+/acks", 1);
        client.link().subscribe("fabgate/lab/machines/+/acl", 1);
        client.on_message([this](std::string_view topic, std::string_view payload, bool) {
            auto t = topics::parse(topic);
            if (!t) return;
            if (t->leaf == "acks") {
                auto ack = decode_ack_payload(payload);
                REQUIRE(ack);
                ++ack_messages;
                for (auto& id : ack->ids) {
                    if (check_db) {
                        auto stored = check_db->reports().session(id);
                        bool in_errors = false;
                        if (!*stored) {
                            auto errs = check_db->ingest().ingest_errors(1000);
                            for (auto& e : *errs) in_errors |= e.session_id == id;
                        }
                        if (!*stored && !in_errors) acked_but_not_stored.push_back(id);
                    }
                    acked.insert(id);
                }
            } else if (t->leaf == "acl") {
                auto snap = decode_access_list(payload);
                REQUIRE(snap);
                acl[t->machine] = *snap;
            }
        });
        REQUIRE(client.run_until([&] { return client.link().connected(); }, Ms(5000)));
    }
    bool publish(const SessionRecord& s) {
        return client.link()
            .publish(topics::machine(s.site, s.machine, "sessions"), encode(s), 1, false)
            .has_value();
    }
    std::int64_t acl_version(const std::string& machine) const {
        auto it = acl.find(machine);
        return it == acl.end() ? 0 : it->second.list.version;
    }
};

}  // namespace fabgate::ledger_test

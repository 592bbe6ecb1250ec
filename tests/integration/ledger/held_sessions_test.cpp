// The real fabledger over a private Mosquitto: a session it cannot price yet is acked and held,
// then billed once the manager adds the tariff; conflicting copies a gate login floods are kept
// under the machine's refused-payload rate.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/ack_wire.hpp"
#include "core/topics.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_harness.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using namespace fabgate::ledger_test;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

// A laser priced for the `member` class only, a free printer, and Ann, a `student`.
void prepare(const std::string& db_path) {
    auto db = LedgerDb::open(db_path);
    REQUIRE(db);
    REQUIRE(db->machines().upsert({"lab", "laser-1", "Laser", std::nullopt}, "t", kT0));
    REQUIRE(db->machines().upsert({"lab", "printer-1", "Printer", std::nullopt}, "t", kT0));
    Member ann;
    ann.id = "m-1";
    ann.name = "Ann";
    ann.member_class = "student";
    REQUIRE(db->members().add(ann, "t", kT0));
    Tariff t;
    t.target = "laser-1";
    t.member_class = "member";
    t.price_per_hour_minor = 1200;
    REQUIRE(db->tariffs().add(t, "t", kT0));
}

struct AckedIds {
    Client client;
    std::multiset<std::string> acked;
    int lists = 0;  // access lists heard: the ledger is up and subscribed
    AckedIds(int port) : client(port, "gate-held") {
        client.link().subscribe("fabgate/lab/machines/+/acks", 1);
        client.link().subscribe("fabgate/lab/machines/+/acl", 1);
        client.on_message([this](std::string_view topic, std::string_view payload, bool) {
            if (topic.ends_with("/acl")) {
                ++lists;
                return;
            }
            auto ack = decode_ack_payload(payload);
            REQUIRE(ack);
            for (auto& id : ack->ids) acked.insert(id);
        });
        REQUIRE(client.run_until([&] { return client.link().connected(); }, Ms(5000)));
    }
    bool publish(const SessionRecord& s) {
        return client.link()
            .publish(topics::machine(s.site, s.machine, "sessions"), encode(s), 1, false)
            .has_value();
    }
    bool wait_acks(const std::string& id, std::size_t count) {
        return client.run_until([&] { return acked.count(id) >= count; }, Ms(10'000));
    }
};

}  // namespace

TEST_CASE("over the broker: a session lacking a tariff is acked, held, then billed once set") {
    TempDir dir;
    Broker broker{dir};
    REQUIRE(broker.up());
    const auto db_path = dir.file("ledger.db");
    prepare(db_path);
    const auto config = dir.file("ledger.json");
    std::ofstream(config) << ledger_config(db_path, broker.port());
    Child ledger({FABLEDGER_BIN, "--config", config}, dir.file("fabledger.log"));

    AckedIds gate(broker.port());
    REQUIRE(gate.client.run_until([&] { return gate.lists > 0; }, Ms(10'000)));
    auto laser = make_session(session_id(7, 1), "lab", "laser-1", kT0 + 60'000, 30);
    REQUIRE(gate.publish(laser));
    REQUIRE(gate.wait_acks(laser.id, 1));  // acked: the gate stops resending it

    // Evidence floods: a stored printer session, then ever-different copies of it.
    auto printer = make_session(session_id(7, 2), "lab", "printer-1", kT0, 10);
    REQUIRE(gate.publish(printer));
    REQUIRE(gate.wait_acks(printer.id, 1));
    const std::int64_t copies = kRefusedStoredPerMinute + 5;
    for (std::int64_t n = 1; n <= copies; ++n) {
        auto forged = printer;
        forged.powered_ms -= n * 1000;
        REQUIRE(gate.publish(forged));
    }
    REQUIRE(gate.wait_acks(printer.id, static_cast<std::size_t>(1 + copies)));
    ledger.send(SIGTERM);
    REQUIRE(ledger.wait_exit(Ms(5000)) == 0);

    auto db = LedgerDb::open(db_path);
    REQUIRE(db);
    CHECK(*db->reports().session(laser.id) == std::nullopt);
    auto held = db->ingest().parked_summary();
    REQUIRE(held);
    CHECK(held->sessions == 1);
    CHECK(held->powered_ms == 30 * 60'000);
    auto conflicts = db->ingest().conflicts(1000);
    REQUIRE(conflicts);
    CHECK(conflicts->size() == static_cast<std::size_t>(copies));
    auto kept = std::count_if(conflicts->begin(), conflicts->end(),
                              [](const auto& c) { return !c.payload.empty(); });
    CHECK(kept <= kRefusedStoredPerMinute);

    Tariff student;
    student.target = "laser-1";
    student.member_class = "student";
    student.price_per_hour_minor = 600;
    REQUIRE(db->tariffs().add(student, "fabctl:ann", kT0 + 86'400'000));
    auto replayed = db->ingest().replay_parked("fabctl:ann", kT0 + 86'400'000);
    REQUIRE(replayed);
    CHECK(replayed->ingested == 1);
    auto stored = db->reports().session(laser.id);
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->amount_minor == 300);  // 30 min at the student's 6.00/h
}

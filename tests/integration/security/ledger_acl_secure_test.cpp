// The ledger's access-list path as deployed: fabledger logged in over TLS with its own broker
// user under config/mosquitto/acl.conf, lists signed with the enrolled key, and a gate's login
// reading them. The same 50 quick manager changes as tests/integration/ledger, each of which
// must reach the gate, with a valid signature, within 2 s.
#include <doctest/doctest.h>

#include "acl_change_burst.hpp"
#include "core/topics.hpp"
#include "secure_fixtures.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;
using namespace fabgate::test;
using namespace std::chrono_literals;
using fabgate::ledger::LedgerDb;
using fabgate::ledger_test::AclChangeBurst;

namespace {

constexpr UnixMs kT0 = 1'767'225'600'000;

std::chrono::milliseconds gap_before(std::size_t n) {
    return std::chrono::milliseconds(static_cast<long>(n * 37 % 41));
}

}  // namespace

TEST_CASE("production broker: 50 quick manager changes each reach the gate, signed, within 2 s") {
    SecureBroker broker;
    // The ledger polls its database at its own default pace, and no hourly rebuild falls inside
    // the burst: every list the gate gets is one a change caused.
    Ledger ledger(broker, [](nlohmann::json& config) {
        config.erase("acl_poll_ms");
        config["acl_refresh_s"] = 3600;
    });
    AclChangeBurst burst;
    {
        auto db = LedgerDb::open(ledger.db());
        REQUIRE(db);
        for (auto m : {"laser-1", "laser-2"})
            REQUIRE(db->machines().upsert({"lab", m, m, std::nullopt}, "test", kT0));
        for (int n = 1; n < 29; ++n) {
            auto id = "machine-" + std::to_string(n);
            REQUIRE(db->machines().upsert({"lab", id, id, std::nullopt}, "test", kT0));
        }
        REQUIRE(burst.prepare(*db, kT0));
    }
    ledger.start();

    SecureClient gate(broker.port(), gate_login(broker, "laser-1"), "gate-lab-laser-1");
    REQUIRE(gate.connect());
    gate.subscribe(topics::machine("lab", "laser-1", "acl"));
    const auto public_key = first_word(broker.file("keys/acl-signing.pub"));
    std::size_t read = 0, lists = 0, bad_signatures = 0;
    auto take_lists = [&] {
        for (; read < gate.heard.size(); ++read) {
            auto snap = decode_access_list(gate.heard[read].payload);
            REQUIRE(snap);
            ++lists;
            if (!acl_signature::verify_payload(gate.heard[read].payload, public_key)) {
                ++bad_signatures;
                continue;
            }
            burst.observe(snap->list);
        }
    };
    REQUIRE_MESSAGE(gate.wait([&] { return take_lists(), lists > 0; }, 10s), ledger.log());

    auto fabctl = LedgerDb::open(ledger.db());
    REQUIRE(fabctl);
    for (std::size_t n = 0; n < burst.size(); ++n) {
        gate.wait([&] { return take_lists(), false; }, gap_before(n));
        REQUIRE(burst.make(n, *fabctl, kT0 + 1000 + static_cast<UnixMs>(n)));
        gate.wait([&] { return take_lists(), burst.seen(n); }, 2500ms);
    }
    MESSAGE("slowest change reached the gate after " << burst.slowest_ms() << " ms; " << lists
                                                     << " lists");
    auto late = burst.late(2000ms);
    for (const auto& line : late) MESSAGE(line);
    CHECK(late.empty());
    CHECK(bad_signatures == 0);
    CHECK(gate.disconnects == 0);
    CHECK(ledger.stop());
    // Logged in as itself all along: the broker never took its connection away.
    CHECK(ledger.log().find("connected") != std::string::npos);
}

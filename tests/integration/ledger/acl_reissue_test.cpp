// A connected gate must never find its list too old: fabledger reissues an unchanged list as a
// new version, with a fresh generated_at, every acl_reissue_s (core/access.hpp has the rule the
// gates' minimum acl_max_age_s rests on).
#include <doctest/doctest.h>

#include "core/topics.hpp"
#include "ledger/ledger_app.hpp"
#include "ledger/ledger_db.hpp"
#include "ledger_harness.hpp"
#include "ledger_seed.hpp"

using namespace fabgate;
using namespace fabgate::ledger;
using namespace fabgate::ledger_test;

TEST_CASE("fabledger reissues an unchanged list every acl_reissue_s with a fresh generated_at") {
    constexpr UnixMs kT0 = 1'767'225'600'000;
    AliceAndLaserLab lab(kT0);
    auto config = lab.dir.file("ledger.json");
    // The hourly refresh alone would renew nothing during the test: only acl_reissue_s does.
    std::ofstream(config) << R"({"database": ")" << lab.db_path
                          << R"(", "broker": {"host": "127.0.0.1", "port": )" << lab.broker.port()
                          << R"(}, "acl_refresh_s": 3600, "acl_reissue_s": 1})";
    Child ledger({FABLEDGER_BIN, "--config", config}, lab.dir.file("fabledger.log"));

    Client gate(lab.broker.port(), "gate-laser-1");
    std::vector<AccessList> versions;  // each version once, in arrival order
    gate.on_message([&](std::string_view, std::string_view payload, bool) {
        auto snap = decode_access_list(payload);
        REQUIRE(snap);
        if (versions.empty() || snap->list.version != versions.back().version)
            versions.push_back(snap->list);
    });
    REQUIRE(gate.run_until([&] { return gate.link().connected(); }, Ms(5000)));
    gate.link().subscribe(topics::machine("lab", "laser-1", "acl"), 1);
    REQUIRE(gate.run_until([&] { return versions.size() >= 3; }, Ms(15'000)));

    for (std::size_t n = 1; n < versions.size(); ++n) {
        const auto& before = versions[n - 1];
        const auto& after = versions[n];
        CHECK(after.version == before.version + 1);
        // Not sooner than the interval, and each renewal pushes valid_until along with it.
        CHECK(after.generated_at >= before.generated_at + 1000);
        REQUIRE(after.valid_until);
        CHECK(*after.valid_until == after.generated_at + kAclValidityMs);
        CHECK(after.entries.size() == before.entries.size());
    }
    ledger.send(SIGTERM);
    CHECK(ledger.wait_exit(Ms(5000)) == 0);
}

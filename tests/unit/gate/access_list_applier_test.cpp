// The access-list applier on its own: which lists it puts in force, and which it refuses.
#include "gate/access_list_applier.hpp"

#include <doctest/doctest.h>

#include "../core/gate_fixture.hpp"
#include "core/messages.hpp"
#include "test_support.hpp"

using namespace fabgate;

namespace {

// A gate (list version 1 in force) and its applier, the high-water mark kept in `dir`.
struct ApplierRig {
    testing::Gate gate;
    GateConfig config;
    AccessListApplier applier;

    explicit ApplierRig(const test::TempDir& dir, const std::string& journal = "journal.db")
        : config(config_for(dir, journal)),
          applier(config, gate.clock, *gate.machine, [](auto once_durable) { once_durable(); }) {
        applier.load_high_water();
    }
    static GateConfig config_for(const test::TempDir& dir, const std::string& journal) {
        GateConfig c;
        c.site = "lab";
        c.machine = "laser-1";
        c.journal = dir.file(journal);
        c.insecure_unsigned_acl = true;  // unsigned: the signature has its own tests
        return c;
    }
    std::string list(std::int64_t version, const std::string& machine = "laser-1") const {
        AccessList l;
        l.site = "lab";
        l.machine = machine;
        l.version = version;
        l.generated_at = gate.clock.wall().unix_ms;
        return encode(l);
    }
    std::int64_t in_force() const { return gate.machine->access_list()->version; }
};

}  // namespace

TEST_CASE("a newer list is put in force; an older one or another gate's is refused") {
    test::TempDir dir;
    // The high-water mark cannot be written there: only the list in force guards.
    ApplierRig rig(dir, "no-such-directory/journal.db");
    rig.applier.received(rig.list(5));
    REQUIRE(rig.applier.high_water() == 0);
    CHECK(rig.in_force() == 5);
    rig.applier.received(rig.list(4));
    CHECK(rig.in_force() == 5);
    rig.applier.received(rig.list(6, "laser-2"));
    CHECK(rig.in_force() == 5);
    rig.applier.received(rig.list(6));
    CHECK(rig.in_force() == 6);
}

TEST_CASE("after a journal wipe, a list older than one accepted before is still refused") {
    test::TempDir dir;
    {
        ApplierRig before(dir);
        before.applier.received(before.list(5));
        REQUIRE(before.in_force() == 5);
    }
    ApplierRig after(dir);  // list version 1 in force again, the high-water mark file kept
    CHECK(after.applier.high_water() == 5);
    after.applier.received(after.list(3));
    CHECK(after.in_force() == 1);
    after.applier.received(after.list(5));
    CHECK(after.in_force() == 5);
}

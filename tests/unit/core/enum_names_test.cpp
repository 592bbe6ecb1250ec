// Every name an enum has on the wire, in the ledger's tables and in messages: written here once
// more by hand, so a table that drifts from what gates and ledgers already exchange fails.
#include "core/enum_names.hpp"

#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/access.hpp"
#include "core/messages.hpp"
#include "core/ports.hpp"
#include "core/tariff.hpp"

using namespace fabgate;

namespace {

// Both directions for every value, and a name nobody uses. `names` lists the wire names in the
// order the enum declares its values, so each is tied to its enumerator without restating it.
template <class Enum, class FromString>
void check_names(const std::vector<std::string>& names, FromString from) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto value = static_cast<Enum>(i);
        const std::string& name = names[i];
        CAPTURE(name);
        CHECK(to_string(value) == name);
        auto back = from(name);
        REQUIRE(back.has_value());
        CHECK(*back == value);
    }
    CHECK_FALSE(from("no-such-name").has_value());
    CHECK_FALSE(from("").has_value());
}

}  // namespace

TEST_CASE("a table names each value, reads each name back, and falls back outside it") {
    enum class Colour { Red, Green, Blue };
    constexpr EnumNames<Colour, 2> names{{{Colour::Red, "red"}, {Colour::Green, "green"}}};
    CHECK(names.name_of(Colour::Green, "?") == "green");
    CHECK(names.name_of(Colour::Blue, "?") == "?");
    CHECK(names.value_of("red") == Colour::Red);
    CHECK_FALSE(names.value_of("blue").has_value());
    CHECK_FALSE(names.value_of("Red").has_value());  // names are exact
    CHECK(names.names() == std::vector<std::string>{"red", "green"});
    static_assert(names.value_of("green") == Colour::Green, "usable at compile time");
}

namespace {

enum class Colour { Red, Green, Blue };

}  // namespace

TEST_CASE("a table covers its enum only when it names every enumerator exactly once") {
    constexpr EnumNames<Colour, 3> all{
        {{Colour::Red, "red"}, {Colour::Green, "green"}, {Colour::Blue, "blue"}}};
    constexpr EnumNames<Colour, 2> short_of_one{{{Colour::Red, "red"}, {Colour::Green, "green"}}};
    constexpr EnumNames<Colour, 3> one_twice{
        {{Colour::Red, "red"}, {Colour::Green, "green"}, {Colour::Green, "verde"}}};
    constexpr EnumNames<Colour, 4> one_more{{{Colour::Red, "red"},
                                             {Colour::Green, "green"},
                                             {Colour::Blue, "blue"},
                                             {static_cast<Colour>(7), "ultraviolet"}}};
    static_assert(all.covers(), "usable at compile time, as the production tables use it");
    CHECK(all.covers());
    CHECK_FALSE(short_of_one.covers());
    CHECK_FALSE(one_twice.covers());
    CHECK_FALSE(one_more.covers());
}

TEST_CASE("the compiler tells enumerators from other values, gaps and all") {
    enum class Sparse { Low = 0, Middle = 3, High = 255 };
    constexpr EnumNames<Sparse, 3> sparse{
        {{Sparse::Low, "low"}, {Sparse::Middle, "middle"}, {Sparse::High, "high"}}};
    constexpr EnumNames<Sparse, 3> named_a_gap{
        {{Sparse::Low, "low"}, {static_cast<Sparse>(1), "one"}, {Sparse::High, "high"}}};
    CHECK(sparse.covers());
    CHECK_FALSE(named_a_gap.covers());
}

TEST_CASE("roles, target kinds, bases and rounding keep their stored names") {
    check_names<Role>({"none", "user", "supervisor", "maintainer"}, role_from_string);
    check_names<TargetKind>({"machine", "group"}, target_kind_from_string);
    check_names<TariffBasis>({"powered", "active"}, tariff_basis_from_string);
    check_names<RoundingMode>({"half-up", "up", "down"}, rounding_mode_from_string);
}

TEST_CASE("end reasons and machine states keep their wire names") {
    check_names<EndReason>({"badge_out", "card_removed", "idle_timeout", "max_duration", "takeover",
                            "interlock", "fault", "remote", "shutdown", "power_loss"},
                           end_reason_from_string);
    check_names<MachineState>({"idle", "in_use", "finishing", "maintenance", "fault", "offline"},
                              machine_state_from_string);
}

TEST_CASE("deny reasons and indications keep their names and descriptions") {
    CHECK(to_string(DenyReason::UnknownBadge) == "unknown_badge");
    CHECK(to_string(DenyReason::AccessListStale) == "access_list_stale");
    CHECK(describe(DenyReason::NotTrained) == "not trained for this machine");
    CHECK(describe(DenyReason::JournalError) ==
          "the gate cannot record sessions (storage full or failing)");
    CHECK(to_string(Indication::IdleWarning) == "idle_warning");
    CHECK(to_string(Indication::Fault) == "fault");
    CHECK(to_string(static_cast<Indication>(99)) == "unknown");
    CHECK(to_string(static_cast<Role>(99)) == "none");
}

TEST_CASE("event and command kinds travel under their names, both ways") {
    for (auto [kind, kind_name] :
         std::vector<std::pair<EventKind, std::string>>{{EventKind::Denied, "denied"},
                                                        {EventKind::UnknownBadge, "unknown_badge"},
                                                        {EventKind::Granted, "granted"}}) {
        const std::string& name = kind_name;  // CAPTURE cannot name a structured binding
        CAPTURE(name);
        GateEvent e;
        e.kind = kind;
        e.uid = "04A1B2C3";
        e.at = 1;
        auto wire = nlohmann::json::parse(encode(e));
        CHECK(wire["event"] == name);
        CHECK(decode_event(wire.dump()).value().kind == kind);
    }
    for (auto [kind, kind_name] : std::vector<std::pair<CommandKind, std::string>>{
             {CommandKind::Lock, "lock"},
             {CommandKind::Unlock, "unlock"},
             {CommandKind::EndSession, "end_session"}}) {
        const std::string& name = kind_name;  // CAPTURE cannot name a structured binding
        CAPTURE(name);
        Command c;
        c.kind = kind;
        auto wire = nlohmann::json::parse(encode(c));
        CHECK(wire["command"] == name);
        CHECK(decode_command(wire.dump()).value().kind == kind);
    }
}

TEST_CASE("an unknown enum value in a message is refused with the words gates already log") {
    MachineStatus s;
    auto wire = nlohmann::json::parse(encode(s));
    wire["state"] = "sleeping";
    auto refused = decode_status(wire.dump());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message() == "state: state: is 'sleeping', not a known machine state");
}

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

// Both directions for every value, a name nobody uses, and the name a value outside the enum
// goes out as. `names` lists the wire names in the order the enum declares its values, so each
// is tied to its enumerator without restating it.
template <class Enum>
void check_names(const std::vector<std::string>& names, const std::string& fallback) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto value = static_cast<Enum>(i);
        const std::string& name = names[i];
        CAPTURE(name);
        CHECK(to_string(value) == name);
        auto back = from_string<Enum>(name);
        REQUIRE(back.has_value());
        CHECK(*back == value);
    }
    CHECK(to_string(static_cast<Enum>(names.size() + 40)) == fallback);
    CHECK_FALSE(from_string<Enum>("no-such-name").has_value());
    CHECK_FALSE(from_string<Enum>("").has_value());
    CHECK_FALSE(from_string<Enum>(fallback + "!").has_value());
}

}  // namespace

TEST_CASE("a table names each value, reads each name back, and falls back outside it") {
    enum class Colour { Red, Green, Blue };
    static constexpr EnumName<Colour> kColours[] = {{Colour::Red, "red"}, {Colour::Green, "green"}};
    constexpr EnumNameTable<Colour> names{kColours, "?"};
    CHECK(names.name_of(Colour::Green) == "green");
    CHECK(names.name_of(Colour::Blue) == "?");
    CHECK(names.value_of("red") == Colour::Red);
    CHECK_FALSE(names.value_of("blue").has_value());
    CHECK_FALSE(names.value_of("Red").has_value());  // names are exact
    CHECK_FALSE(names.value_of("?").has_value());    // the fallback is no name
    CHECK(names.names() == std::vector<std::string>{"red", "green"});
    static_assert(names.value_of("green") == Colour::Green, "usable at compile time");
}

namespace {

enum class Colour { Red, Green, Blue };

}  // namespace

TEST_CASE("a table covers its enum only when it names every enumerator exactly once") {
    // EnumNames checks this when it is built, so only a table that passes compiles.
    constexpr EnumNames<Colour, 3> all{
        {{Colour::Red, "red"}, {Colour::Green, "green"}, {Colour::Blue, "blue"}}};
    CHECK(all.table("?").name_of(Colour::Blue) == "blue");
    constexpr EnumName<Colour> short_of_one[] = {{Colour::Red, "red"}, {Colour::Green, "green"}};
    constexpr EnumName<Colour> one_twice[] = {
        {Colour::Red, "red"}, {Colour::Green, "green"}, {Colour::Green, "verde"}};
    constexpr EnumName<Colour> one_more[] = {{Colour::Red, "red"},
                                             {Colour::Green, "green"},
                                             {Colour::Blue, "blue"},
                                             {static_cast<Colour>(7), "ultraviolet"}};
    CHECK_FALSE(names_every_enumerator_once<Colour>(short_of_one));
    CHECK_FALSE(names_every_enumerator_once<Colour>(one_twice));
    CHECK_FALSE(names_every_enumerator_once<Colour>(one_more));
}

TEST_CASE("the compiler tells enumerators from other values, gaps and all") {
    enum class Sparse { Low = 0, Middle = 3, High = 255 };
    constexpr EnumName<Sparse> sparse[] = {
        {Sparse::Low, "low"}, {Sparse::Middle, "middle"}, {Sparse::High, "high"}};
    constexpr EnumName<Sparse> named_a_gap[] = {
        {Sparse::Low, "low"}, {static_cast<Sparse>(1), "one"}, {Sparse::High, "high"}};
    CHECK(names_every_enumerator_once<Sparse>(sparse));
    CHECK_FALSE(names_every_enumerator_once<Sparse>(named_a_gap));
}

TEST_CASE("roles, target kinds, bases and rounding keep their stored names and fallbacks") {
    check_names<Role>({"none", "user", "supervisor", "maintainer"}, "none");
    check_names<TargetKind>({"machine", "group"}, "group");
    check_names<TariffBasis>({"powered", "active"}, "active");
    check_names<RoundingMode>({"half-up", "up", "down"}, "half-up");
    // The names callers across the tree use are the generic parse.
    CHECK(role_from_string("supervisor") == Role::Supervisor);
    CHECK(tariff_basis_from_string("powered") == TariffBasis::Powered);
}

TEST_CASE("end reasons, machine states and indications keep their wire names and fallbacks") {
    check_names<EndReason>({"badge_out", "card_removed", "idle_timeout", "max_duration", "takeover",
                            "interlock", "fault", "remote", "shutdown", "power_loss"},
                           "unknown");
    check_names<MachineState>({"idle", "in_use", "finishing", "maintenance", "fault", "offline"},
                              "unknown");
    check_names<Indication>({"ready", "granted", "in_use", "denied", "idle_warning", "finishing",
                             "maintenance", "fault"},
                            "unknown");
    CHECK(end_reason_from_string("takeover") == EndReason::Takeover);
    CHECK(machine_state_from_string("offline") == MachineState::Offline);
}

TEST_CASE("deny reasons keep their names, fallbacks and descriptions") {
    check_names<DenyReason>(
        {"unknown_badge", "suspended", "membership_expired", "not_trained", "training_expired",
         "maintenance", "in_use", "fault", "no_access_list", "journal_error", "access_list_stale"},
        "unknown");
    CHECK(describe(DenyReason::UnknownBadge) == "unknown badge");
    CHECK(describe(DenyReason::NotTrained) == "not trained for this machine");
    CHECK(describe(DenyReason::JournalError) ==
          "the gate cannot record sessions (storage full or failing)");
    CHECK(describe(DenyReason::AccessListStale) ==
          "the access list is out of date (the gate has been offline too long)");
    CHECK(describe(static_cast<DenyReason>(99)) == "denied");
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

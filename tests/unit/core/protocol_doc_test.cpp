// docs/protocol.md is what a third-party ledger, a dashboard or the next maintainer builds
// against. Its field tables (read by protocol_doc_reader.hpp) are held against the codecs field
// by field: the keys each encoder sends, the keys each decoder requires, the names each enum
// field may take, and the examples, which must decode and encode back to the same JSON.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/access.hpp"
#include "core/ack_wire.hpp"
#include "core/acl_wire.hpp"
#include "core/messages.hpp"
#include "core/signed_envelope.hpp"
#include "protocol_doc_reader.hpp"

using namespace fabgate;
using namespace protocol_doc;
using nlohmann::json;

namespace {

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> out;
    for (const auto& item : object.items()) out.insert(item.key());
    return out;
}

std::set<std::string> documented(const std::string& name, bool only_always) {
    std::set<std::string> out;
    for (const auto& f : table(name).fields)
        if (f.always_sent || !only_always) out.insert(f.name);
    return out;
}

// A model with every optional field set, and one with none, from each encoder.
struct Encoded {
    json full;
    json minimal;
};

SessionRecord session_model(bool full) {
    SessionRecord s;
    s.id = "019364c1-8a2b-7c3d-9e4f-0a1b2c3d4e5f";
    s.site = "lab";
    s.machine = "laser-1";
    s.uid = "04A1B2C3";
    s.started_at = 1;
    s.ended_at = 2;
    if (full) s.active_ms = 1;
    return s;
}

AccessList acl_model(bool full) {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = 3;
    AccessEntry entry;
    entry.member = "m-17";
    entry.role = Role::User;
    if (full) {
        list.valid_until = 5;
        list.maintenance = MaintenanceLock{"maria", "new lens", 4};
        entry.name = "Alice";
    }
    list.entries.emplace(*Uid::parse("04A1B2C3"), entry);
    return list;
}

const std::string kKeyId = "3d4017c3e843895a";
const std::string kSig(128, 'a');

json first_line(const std::string& payload) {
    return json::parse(payload.substr(0, payload.find('\n')));
}

// Every table of the doc, with what its encoder produces.
std::map<std::string, Encoded> encoded() {
    std::map<std::string, Encoded> out;
    out["session"] = {json::parse(encode(session_model(true))),
                      json::parse(encode(session_model(false)))};
    MachineStatus named;
    named.name = "Alice";
    out["state"] = {json::parse(encode(named)), json::parse(encode(MachineStatus{}))};
    out["event"] = {json::parse(encode(GateEvent{})), json::parse(encode(GateEvent{}))};
    out["command"] = {json::parse(encode(Command{})), json::parse(encode(Command{}))};
    auto ack = json::parse(encode_ack_body(SignedAck{"lab", "laser-1", 1, {"a"}}));
    out["ack"] = {ack, ack};
    auto ack_envelope = first_line(join_signed(ack.dump(), kAckEnvelopeType, kKeyId, kSig));
    out["ack_signed"] = {ack_envelope, ack_envelope};
    auto full = json::parse(signed_content(acl_model(true)));
    auto minimal = json::parse(signed_content(acl_model(false)));
    out["acl"] = {full, minimal};
    out["acl.entries[]"] = {full["entries"][0], minimal["entries"][0]};
    // Sent only while locked: when present, all of its own fields are.
    out["acl.maintenance"] = {full["maintenance"], full["maintenance"]};
    auto acl_envelope = first_line(encode(acl_model(false), kSig, kKeyId));
    out["acl_signed"] = {acl_envelope, acl_envelope};
    return out;
}

// Each payload's decoder, and where in its example a nested table's object sits.
struct Decoding {
    std::string payload;  // the table whose example is the whole payload
    std::string pointer;  // the object this table describes, inside that example
    std::function<bool(const json& example)> decodes;
};

std::string compact_acl_example() {
    return json::parse(table("acl").example).dump();
}

std::map<std::string, Decoding> decoders() {
    auto acl = [](const json& body) { return decode_access_list(body.dump()).has_value(); };
    return {
        {"session", {"session", "", [](const json& j) { return !!decode_session(j.dump()); }}},
        {"state", {"state", "", [](const json& j) { return !!decode_status(j.dump()); }}},
        {"event", {"event", "", [](const json& j) { return !!decode_event(j.dump()); }}},
        {"command", {"command", "", [](const json& j) { return !!decode_command(j.dump()); }}},
        {"ack", {"ack", "", [](const json& j) { return !!decode_ack_body(j.dump()); }}},
        {"ack_signed",
         {"ack_signed", "",
          [](const json& j) {
              auto body = json::parse(table("ack").example).dump();
              return !!decode_ack_payload(j.dump() + "\n" + body);
          }}},
        {"acl", {"acl", "", acl}},
        {"acl.entries[]", {"acl", "/entries/0", acl}},
        {"acl.maintenance", {"acl", "/maintenance", acl}},
        {"acl_signed",
         {"acl_signed", "",
          [](const json& j) {
              return !!decode_access_list(j.dump() + "\n" + compact_acl_example());
          }}},
    };
}

}  // namespace

TEST_CASE("docs/protocol.md has a readable table and example for every payload") {
    CHECK(doc().problems == std::vector<std::string>{});
    // Named copies, not structured bindings: clang before 16 cannot capture those in CAPTURE.
    for (const auto& entry : encoded()) {
        const std::string& name = entry.first;
        CAPTURE(name);
        CHECK_FALSE(table(name).fields.empty());
    }
    const auto all_decoders = decoders();
    for (const auto& entry : all_decoders) {
        const auto& payload = entry.second.payload;
        CAPTURE(payload);
        CHECK_FALSE(table(payload).example.empty());
    }
    // Every payload type the topic table names is described.
    for (const auto& row : doc().topics) {
        REQUIRE(row.size() == 5);
        CAPTURE(row[0]);
        CHECK(doc().tables.count(unquote(row[4])) == 1);
    }
}

TEST_CASE("each encoder sends exactly the fields the doc lists") {
    for (const auto& [payload_name, wire] : encoded()) {
        const std::string& name = payload_name;
        CAPTURE(name);
        CHECK(keys_of(wire.full) == documented(name, false));
        CHECK(keys_of(wire.minimal) == documented(name, true));
    }
}

TEST_CASE("each doc example decodes, and encodes back to the same JSON") {
    auto session = decode_session(table("session").example);
    REQUIRE(session);
    CHECK(json::parse(encode(*session)) == json::parse(table("session").example));
    auto state = decode_status(table("state").example);
    REQUIRE(state);
    CHECK(json::parse(encode(*state)) == json::parse(table("state").example));
    auto event = decode_event(table("event").example);
    REQUIRE(event);
    CHECK(json::parse(encode(*event)) == json::parse(table("event").example));
    auto command = decode_command(table("command").example);
    REQUIRE(command);
    CHECK(json::parse(encode(*command)) == json::parse(table("command").example));
    auto ack = decode_ack_body(table("ack").example);
    REQUIRE(ack);
    CHECK(json::parse(encode_ack_body(*ack)) == json::parse(table("ack").example));

    auto envelope = json::parse(table("acl_signed").example);
    auto acl = decode_access_list(envelope.dump() + "\n" + compact_acl_example());
    REQUIRE(acl);
    CHECK(acl->key_id == envelope["key_id"]);
    CHECK(acl->signature == envelope["sig"]);
    CHECK(json::parse(signed_content(acl->list)) == json::parse(table("acl").example));
    auto ack_envelope = json::parse(table("ack_signed").example);
    auto ack_body = json::parse(table("ack").example).dump();
    auto signed_ack = split_signed(ack_envelope.dump() + "\n" + ack_body, kAckEnvelopeType);
    REQUIRE(signed_ack);
    CHECK(signed_ack->key_id == ack_envelope["key_id"]);
    CHECK(signed_ack->signature == ack_envelope["sig"]);
    CHECK(decode_ack_payload(ack_envelope.dump() + "\n" + ack_body).has_value());
}

TEST_CASE("each decoder requires exactly the fields the doc marks required") {
    for (const auto& [decoder_name, decoding] : decoders()) {
        const std::string& name = decoder_name;
        auto example = json::parse(table(decoding.payload).example);
        REQUIRE(decoding.decodes(example));
        for (const auto& field : table(name).fields) {
            CAPTURE(name);
            CAPTURE(field.name);
            auto without = example;
            auto& object = without[json::json_pointer(decoding.pointer)];
            REQUIRE(object.contains(field.name));
            object.erase(field.name);
            CHECK(decoding.decodes(without) == !field.required);
        }
    }
}

namespace {

// The names an encoder writes for every value of an enum, found by casting 0..63 in: the
// names outside the table's fallback ("unknown") are the enum's names on the wire.
template <class Name>
std::set<std::string> names_on_wire(Name&& name_of) {
    std::set<std::string> out;
    for (int i = 0; i < 64; ++i) out.insert(std::string(name_of(i)));
    out.erase("unknown");
    return out;
}

std::set<std::string> doc_values(const std::string& table_name, const std::string& field) {
    for (const auto& f : table(table_name).fields)
        if (f.name == field) return f.values;
    FAIL("docs/protocol.md lists no field " << table_name << "." << field);
    return {};
}

}  // namespace

TEST_CASE("each enum field takes exactly the names the doc lists") {
    CHECK(doc_values("session", "end_reason") ==
          names_on_wire([](int i) { return to_string(static_cast<EndReason>(i)); }));
    CHECK(doc_values("state", "state") ==
          names_on_wire([](int i) { return to_string(static_cast<MachineState>(i)); }));
    CHECK(doc_values("event", "event") == names_on_wire([](int i) {
              GateEvent e;
              e.kind = static_cast<EventKind>(i);
              return json::parse(encode(e))["event"].get<std::string>();
          }));
    CHECK(doc_values("event", "reason") ==
          names_on_wire([](int i) { return to_string(static_cast<DenyReason>(i)); }));
    CHECK(doc_values("command", "command") == names_on_wire([](int i) {
              Command c;
              c.kind = static_cast<CommandKind>(i);
              return json::parse(encode(c))["command"].get<std::string>();
          }));
    CHECK(doc_values("acl.entries[]", "role") ==
          names_on_wire([](int i) { return to_string(static_cast<Role>(i)); }));
    CHECK(doc_values("acl.entries[]", "status") == std::set<std::string>{"active", "suspended"});

    // Sessions are only ever opened for a role that may use the machine.
    auto roles = doc_values("session", "role");
    for (const auto& role : names_on_wire([](int i) { return to_string(static_cast<Role>(i)); })) {
        auto example = json::parse(table("session").example);
        example["role"] = role;
        CAPTURE(role);
        CHECK(decode_session(example.dump()).has_value() == (roles.count(role) == 1));
    }
}

#include "core/acl_wire.hpp"

#include <doctest/doctest.h>

#include "core/messages.hpp"

using namespace fabgate;

namespace {

AccessList sample_list() {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = 7;
    list.generated_at = 1'767'225'600'000;
    list.valid_until = 1'767'830'400'000;
    list.maintenance = MaintenanceLock{"maria", "new tube", 1'767'225'000'000};
    AccessEntry alice;
    alice.member = "m-17";
    alice.role = Role::Supervisor;
    alice.member_until = 1'798'761'600'000;
    list.entries[Uid::parse("04A1B2C3").value()] = alice;
    AccessEntry bob;
    bob.member = "m-18";
    bob.suspended = true;
    bob.role = Role::User;
    list.entries[Uid::parse("04A1B2C4").value()] = bob;
    return list;
}

std::string refusal(std::string_view body, const AclParseLimits& limits = {}) {
    auto list = parse_access_list_body(body, limits);
    REQUIRE_FALSE(list);
    return list.error().message();
}

const std::string kHead = R"({"v":1,"type":"acl","site":"lab","machine":"laser-1",)"
                          R"("version":2,"generated_at":0,"entries":)";

}  // namespace

TEST_CASE("a list survives the wire: body alone, or envelope line and body") {
    auto list = sample_list();
    for (auto [signature, key_id] : {std::pair{"", ""}, {"00ff", "0123456789abcdef"}}) {
        auto payload = encode(list, signature, key_id);
        auto wire = split_access_list(payload).value();
        CHECK(wire.signature == signature);
        CHECK(wire.key_id == key_id);
        CHECK(wire.body == signed_content(list));  // what the signature covers, byte for byte
        auto back = decode_access_list(payload).value();
        CHECK(encode(back.list, back.signature, back.key_id) == payload);
        CHECK(back.list.maintenance == list.maintenance);
        CHECK(back.list.valid_until == list.valid_until);
        CHECK(back.list.entries.size() == 2);
        CHECK(back.list.find(Uid::parse("04A1B2C4").value())->suspended);
    }
}

TEST_CASE("hostile bodies stop at the first token out of place, naming where") {
    CHECK(refusal(std::string(100'000, '[') + std::string(100'000, ']')).find("nesting deeper") !=
          std::string::npos);
    CHECK(refusal(kHead + "[[[]]]}").find("nesting deeper") != std::string::npos);
    CHECK(refusal(kHead + "[0,0,0]}") == "acl.entries[0]: must be an object");
    CHECK(refusal(kHead + R"([{"uid":"04A1","extra":1}]})") ==
          "acl.entries[0].extra: is not a known key");
    CHECK(refusal(R"({"v":1,"site":")" + std::string(5000, 'a') + "\"}")
              .find("longer than 256 bytes") != std::string::npos);
    CHECK(refusal(R"({"v":)" + std::string(5000, '1') + "}").find("longer than 32") !=
          std::string::npos);
    CHECK(refusal(R"({"v":1,"v":1})") == "acl.v: appears twice");
    CHECK(refusal(kHead + "[]} trailing").find("not valid JSON") != std::string::npos);
    CHECK(refusal("").find("not valid JSON") != std::string::npos);
    CHECK(refusal("42") == "acl.body: must be a JSON object");
}

TEST_CASE("the entry limit is enforced while reading, not after") {
    AclParseLimits two{.max_entries = 2, .max_string_bytes = 256};
    auto entry = [](int n) {
        return R"({"uid":"04A1B2C)" + std::to_string(n) +
               R"(","member":"m","status":"active","role":"user"})";
    };
    CHECK(parse_access_list_body(kHead + "[" + entry(1) + "," + entry(2) + "]}", two));
    CHECK(refusal(kHead + "[" + entry(1) + "," + entry(2) + "," + entry(3) + "]}", two) ==
          "acl.entries: has more than 2 badges");
}

TEST_CASE("required fields and their values are checked as strictly as before") {
    CHECK(refusal(R"({"v":1,"type":"acl"})") == "acl.site: is required");
    CHECK(refusal(kHead + R"([{"uid":"04A1","member":"m","status":"active"}]})") ==
          "acl.entries[0].role: is required");
    CHECK(refusal(kHead + R"([{"uid":"04A1","member":"m","status":"gone","role":"user"}]})") ==
          "acl.entries[0].status: is 'gone', must be active or suspended");
    CHECK(refusal(kHead + R"([{"uid":"04A1","member":"m","status":"active","role":"boss"}]})")
              .find("must be none, user, supervisor or maintainer") != std::string::npos);
    auto twice = R"({"uid":"04A1","member":"m","status":"active","role":"user"})";
    CHECK(refusal(kHead + "[" + twice + "," + twice + "]}") ==
          "acl.entries[1].uid: badge 04A1 appears twice");
    CHECK(refusal(R"({"v":2})").find("schema version 2") != std::string::npos);
    CHECK(refusal(R"({"v":1,"type":"ack"})") == "acl.type: payload has type 'ack'");
    CHECK(refusal(R"({"v":1,"version":0})") ==
          "acl.version: must be an integer from 1 to " + std::to_string(INT64_MAX));
}

TEST_CASE("a malformed envelope is refused before the body is looked at") {
    auto body = signed_content(sample_list());
    auto bad = [&](const std::string& envelope) {
        auto wire = split_access_list(envelope + "\n" + body);
        REQUIRE_FALSE(wire);
        return wire.error().message();
    };
    const std::string id = R"("key_id":"0123456789abcdef")";
    CHECK(bad(R"({"v":2,"type":"acl_signed",)" + id + "}").find("sig") != std::string::npos);
    CHECK(bad(R"({"v":2,"type":"acl_signed","sig":"00","key_id":"XYZ"})").find("key_id") !=
          std::string::npos);
    CHECK(bad(R"({"v":2,"type":"acl_signed","sig":"00"})").find("key_id: is required") !=
          std::string::npos);
    CHECK(bad(R"({"v":2,"type":"acl_signed","sig":"00","more":1,)" + id + "}").find("more") !=
          std::string::npos);
    CHECK(bad(R"({"v":1,"type":"acl_signed","sig":"00",)" + id + "}").find("no longer accepted") !=
          std::string::npos);
    CHECK(bad("not json").find("acl_signed envelope") != std::string::npos);
}

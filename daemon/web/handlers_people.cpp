// Members, badges, unknown badges and rights: each one fabctl command (fabctl_bridge.hpp).
#include <algorithm>
#include <cctype>

#include "web/fabctl_bridge.hpp"

namespace fabgate::web {
namespace {

using Words = std::vector<std::string>;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Reads the listed string fields of the body, or the answer refusing a wrong type.
std::optional<Answer> fields(const Call& call, std::map<std::string, std::string>& out,
                             const Words& names) {
    for (const auto& name : names)
        if (auto bad = body_string(call, name, out[name])) return bad;
    return std::nullopt;
}

bool body_flag(const Call& call, const std::string& name) {
    auto it = call.body.find(name);
    return it != call.body.end() && it->is_boolean() && it->get<bool>();
}

Answer list_members(Call& call) {
    auto out = run_for_output(call, CommandLine({"members", "list"}), true);
    if (!out) return out.error();
    auto all = nlohmann::json::parse(*out, nullptr, false);
    auto q = lower(call.request.param("q"));
    if (q.empty() || !all.is_array()) return json_text_answer(*out);
    auto kept = nlohmann::json::array();
    for (const auto& m : all)
        for (const char* field : {"id", "name", "contact"})
            if (m.contains(field) && m[field].is_string() &&
                lower(m[field].get<std::string>()).find(q) != std::string::npos) {
                kept.push_back(m);
                break;
            }
    return json_answer(kept);
}

Answer show_member(Call& call) {
    return run_read(call, CommandLine({"members", "show"}).positional(call.at.at("id")));
}

Answer add_member(Call& call) {
    std::map<std::string, std::string> f;
    if (auto bad = fields(call, f, {"id", "name", "contact", "class", "until"})) return *bad;
    return run_write(call, CommandLine({"members", "add"})
                               .option("--name", f["name"])
                               .option("--contact", f["contact"])
                               .option("--class", f["class"])
                               .option("--until", f["until"])
                               .positional(f["id"]));
}

Answer edit_member(Call& call) {
    std::map<std::string, std::string> f;
    if (auto bad = fields(call, f, {"name", "contact", "class", "until"})) return *bad;
    return run_write(call, CommandLine({"members", "edit"})
                               .option("--name", f["name"])
                               .option("--contact", f["contact"])
                               .option("--class", f["class"])
                               .option("--until", f["until"])
                               .positional(call.at.at("id")));
}

Answer member_status(Call& call, const std::string& verb) {
    std::map<std::string, std::string> f;
    if (auto bad = fields(call, f, {"reason"})) return *bad;
    return run_write(call, CommandLine({"members", verb})
                               .option("--reason", f["reason"])
                               .positional(call.at.at("id")));
}

Answer assign_badge(Call& call) {
    std::map<std::string, std::string> f;
    if (auto bad = fields(call, f, {"uid", "label"})) return *bad;
    return run_write(call, CommandLine({"badges", "assign"})
                               .option("--label", f["label"])
                               .flag("--move", body_flag(call, "move"))
                               .positional(f["uid"])
                               .positional(call.at.at("id")));
}

Answer unknown_badges(Call& call) {
    return run_read(
        call,
        CommandLine({"badges", "unknown"}).option("--machine", call.request.param("machine")));
}

Answer list_rights(Call& call) {
    return run_read(call, CommandLine({"rights", "list"})
                              .option("--member", call.request.param("member"))
                              .option("--machine", call.request.param("machine"))
                              .option("--group", call.request.param("group")));
}

// A trainer changes rights only on one of their own machines, never on a group (which
// reaches machines they do not train on).
std::optional<Answer> trainer_may_change(const Call& call, const std::string& machine,
                                         const std::string& group) {
    const auto& s = *call.session;
    if (s.role != ledger::ManagerRole::Trainer) return std::nullopt;
    if (!group.empty())
        return error_answer(403, "role", "group",
                            "a trainer may grant or revoke rights on their machines only, not on "
                            "a group");
    for (const auto& own : s.machines) {
        auto id = own.substr(own.find('/') + 1);
        if (machine == own || machine == id) return std::nullopt;
    }
    return error_answer(403, "role", "machine",
                        "'" + machine + "' is not one of the machines on this trainer's account");
}

Answer grant(Call& call) {
    std::map<std::string, std::string> f;
    if (auto bad = fields(call, f, {"member", "machine", "group", "role", "until"})) return *bad;
    if (auto refused = trainer_may_change(call, f["machine"], f["group"])) return *refused;
    CommandLine line({"rights", "grant"});
    line.option("--group", f["group"]).option("--role", f["role"]).option("--until", f["until"]);
    line.positional(f["member"]);
    if (!f["machine"].empty()) line.positional(f["machine"]);
    return run_write(call, line);
}

Answer revoke(Call& call) {
    std::map<std::string, std::string> f;
    if (auto bad = fields(call, f, {"member", "machine", "group"})) return *bad;
    if (auto refused = trainer_may_change(call, f["machine"], f["group"])) return *refused;
    CommandLine line({"rights", "revoke"});
    line.option("--group", f["group"]).positional(f["member"]);
    if (!f["machine"].empty()) line.positional(f["machine"]);
    return run_write(call, line);
}

}  // namespace

void add_people_routes(WebApp& app) {
    app.add({"GET", "/api/members", kAnyRole, false, list_members});
    app.add({"GET", "/api/members/{id}", kAnyRole, false, show_member});
    app.add({"POST", "/api/members", kAdmin, false, add_member});
    app.add({"POST", "/api/members/{id}", kAdmin, false, edit_member});
    app.add({"POST", "/api/members/{id}/suspend", kAdmin, false,
             [](Call& c) { return member_status(c, "suspend"); }});
    app.add({"POST", "/api/members/{id}/reinstate", kAdmin, false,
             [](Call& c) { return member_status(c, "reinstate"); }});
    app.add({"POST", "/api/members/{id}/badges", kAdmin, false, assign_badge});
    app.add({"GET", "/api/badges", kAnyRole, false, [](Call& c) {
                 return run_read(c, CommandLine({"badges", "list"}));
             }});
    app.add({"GET", "/api/unknown-badges", kAnyRole, false, unknown_badges});
    app.add({"GET", "/api/rights", kAnyRole, false, list_rights});
    app.add({"POST", "/api/rights", kAdmin | kTrainer, false, grant});
    app.add({"POST", "/api/rights/revoke", kAdmin | kTrainer, false, revoke});
}

}  // namespace fabgate::web

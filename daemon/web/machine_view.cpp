#include "web/machine_view.hpp"

#include <set>

#include "ctl/parse.hpp"

namespace fabgate::web {

nlohmann::json machine_json(WebApp& app, const MachineKey& key) {
    const auto& [site, id] = key;
    nlohmann::json j{{"site", site}, {"id", id}, {"name", nullptr}, {"group", nullptr}};
    if (auto m = app.db().machines().find(site, id); m && *m) {
        j["name"] = (*m)->name;
        j["group"] = (*m)->group_name ? nlohmann::json(*(*m)->group_name) : nullptr;
    }
    j["lock"] = nullptr;
    if (auto lock = app.db().machines().lock_of(site, id); lock && *lock)
        j["lock"] = {{"by", (*lock)->by},
                     {"reason", (*lock)->reason},
                     {"since", ctl::format_iso((*lock)->since, nullptr)}};
    auto st = app.board().state(key);
    bool heard = st.has_value();
    j["state"] = heard ? nlohmann::json(std::string(to_string(st->state))) : nullptr;
    j["online"] = heard && st->state != MachineState::Offline;
    j["member"] = heard ? st->member : "";
    j["member_name"] = heard ? st->name : "";
    j["since"] =
        heard && st->since > 0 ? nlohmann::json(ctl::format_iso(st->since, nullptr)) : nullptr;
    j["detail"] = heard ? st->detail : "";
    j["acl_version"] = heard ? nlohmann::json(st->acl_version) : nullptr;
    j["locked"] = heard && st->locked;
    return j;
}

tl::expected<std::vector<MachineKey>, std::optional<Answer>> board_keys(WebApp& app) {
    auto machines = app.db().machines().all();
    if (!machines)
        return tl::unexpected(
            error_answer(500, "internal", machines.error().where, machines.error().what));
    std::vector<MachineKey> keys;
    std::set<MachineKey> seen;
    for (const auto& m : *machines) {
        keys.emplace_back(m.site, m.id);
        seen.insert(keys.back());
    }
    for (const auto& [key, status] : app.board().states())
        if (!seen.count(key)) keys.push_back(key);
    return keys;
}

}  // namespace fabgate::web

namespace fabgate::web {
std::string machine_entry(WebApp& app, const MachineKey& key) {
    return machine_json(app, key).dump();
}
}  // namespace fabgate::web

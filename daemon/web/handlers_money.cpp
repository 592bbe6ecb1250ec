// Usage, tariffs, billing periods and their exports, refused/parked sessions, the audit log.
#include "web/fabctl_bridge.hpp"

namespace fabgate::web {
namespace {

Answer usage(Call& call) {
    const auto& r = call.request;
    return run_read(call, CommandLine({"usage", "report"})
                              .option("--from", r.param("from"))
                              .option("--to", r.param("to"))
                              .option("--by", r.param("by"))
                              .option("--format", "json"));
}

// Body field -> `tariffs set` option: per_hour -> --per-hour.
Answer set_tariff(Call& call) {
    CommandLine line({"tariffs", "set"});
    for (const char* name :
         {"group", "class", "per_hour", "currency", "basis", "increment", "start_fee", "minimum",
          "minimum_time", "combine_window", "free_below", "round", "rounding", "from"}) {
        std::string value;
        if (auto bad = body_string(call, name, value)) return *bad;
        std::string option = std::string("--") + name;
        for (auto& c : option)
            if (c == '_') c = '-';
        line.option(option, value);
    }
    std::string machine;
    if (auto bad = body_string(call, "machine", machine)) return *bad;
    if (!machine.empty()) line.positional(machine);
    return run_write(call, line);
}

Answer close_period(Call& call) {
    std::string end;
    if (auto bad = body_string(call, "end", end)) return *bad;
    return run_write(call, CommandLine({"billing", "close"}).option("--to", end));
}

Answer export_batch(Call& call) {
    const auto& file = call.at.at("file");  // "3.csv" or "3.json"
    auto dot = file.rfind('.');
    std::string id = file.substr(0, dot),
                format = dot == std::string::npos ? "" : file.substr(dot + 1);
    if (format != "csv" && format != "json")
        return error_answer(404, "not_found", file, "ask for BATCH.csv or BATCH.json");
    auto out = run_for_output(
        call, CommandLine({"billing", "export"}).option("--format", format).positional(id), false);
    if (!out) return out.error();
    HttpResponse r;
    r.content_type = format == "csv" ? "text/csv; charset=utf-8" : "application/json";
    r.body = std::move(*out);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"batch-" + id + "." + format + "\"");
    return Answer::now(std::move(r));
}

Answer audit(Call& call) {
    auto limit = call.request.param("limit");
    auto out = run_for_output(
        call, CommandLine({"audit"}).option("--limit", limit.empty() ? "200" : limit), true);
    if (!out) return out.error();
    auto rows = nlohmann::json::parse(*out, nullptr, false);
    auto actor = call.request.param("actor"), object = call.request.param("object");
    if (!rows.is_array() || (actor.empty() && object.empty())) return json_text_answer(*out);
    auto kept = nlohmann::json::array();
    auto has = [](const nlohmann::json& row, const char* field, const std::string& text) {
        return text.empty() || (row.contains(field) && row[field].is_string() &&
                                row[field].get<std::string>().find(text) != std::string::npos);
    };
    for (const auto& row : rows)
        if (has(row, "actor", actor) && has(row, "subject", object)) kept.push_back(row);
    return json_answer(kept);
}

}  // namespace

void add_money_routes(WebApp& app) {
    constexpr unsigned kMoney = kAdmin | kTreasurer;
    app.add({"GET", "/api/usage", kMoney, false, usage});
    app.add({"GET", "/api/tariffs", kMoney, false, [](Call& c) {
                 return run_read(c, CommandLine({"tariffs", "list"}));
             }});
    app.add({"POST", "/api/tariffs", kAdmin, false, set_tariff});
    app.add({"GET", "/api/billing/periods", kMoney, false, [](Call& c) {
                 return run_read(c, CommandLine({"billing", "batches"}));
             }});
    app.add({"POST", "/api/billing/close", kMoney, false, close_period});
    app.add({"GET", "/api/billing/batches/{file}", kMoney, false, export_batch});
    app.add({"GET", "/api/errors", kMoney, false,
             [](Call& c) { return run_read(c, CommandLine({"errors"})); }});
    app.add({"GET", "/api/audit", kMoney, false, audit});
}

}  // namespace fabgate::web

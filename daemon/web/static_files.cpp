// The front end's files from console.static_dir, and Debian's Chart.js at /vendor/chart.js.
// Public: the login page must load before anyone is logged in. Nothing outside the directory:
// no "..", no hidden files, regular files only.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "web/web_app.hpp"

namespace fabgate::web {
namespace {

std::string content_type_of(const std::string& path) {
    auto dot = path.rfind('.');
    std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json") return "application/json";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    if (ext == "woff2") return "font/woff2";
    return "application/octet-stream";
}

bool safe_relative(const std::string& path) {
    if (path.empty() || path.find('\0') != std::string::npos) return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        auto part = path.substr(start, slash - start);
        if (part.empty() || part.front() == '.') return false;  // "..", ".git", "//"
        start = slash + 1;
    }
    return true;
}

Answer serve_file(const std::string& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return error_answer(404, "not_found", "file", "no such page");
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in && !in.eof()) return error_answer(500, "internal", "file", "cannot be read");
    HttpResponse r;
    r.content_type = content_type_of(file);
    r.body = content.str();
    r.headers.emplace_back("Cache-Control", "no-cache");
    return Answer::now(std::move(r));
}

Answer static_file(Call& call) {
    const auto& path = call.request.path;
    const auto& config = call.app.config();
    if (path == "/vendor/chart.js") return serve_file(config.chart_js);
    std::string relative = path == "/" ? "index.html" : path.substr(1);
    if (!safe_relative(relative)) return error_answer(404, "not_found", "file", "no such page");
    return serve_file(config.static_dir + "/" + relative);
}

}  // namespace

void add_static_routes(WebApp& app) {
    app.add({"GET", "*", kAnyRole, true, static_file});
}

}  // namespace fabgate::web

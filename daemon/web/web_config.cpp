#include "web/web_config.hpp"

#include <arpa/inet.h>

#include <cctype>

#include "core/json_reader.hpp"
#include "ledger/database_config.hpp"

namespace fabgate::web {
namespace {

constexpr std::size_t kMaxConfigBytes = 64 * 1024;

// The console's counts, ports and timeouts are ints: `into` keeps its default when `key` is
// absent, and the bounds make the narrowing safe.
void read_int(ObjectReader& r, const std::string& key, int min, int max, int& into) {
    into = static_cast<int>(r.integer_or(key, min, max, into));
}

// listen.hosts: names alone (no scheme, port or path), kept in lower case as Host compares.
void read_hosts(ObjectReader& r, std::vector<std::string>& hosts, JsonErrors& errors) {
    const auto* list = r.child("hosts");
    if (!list) return;
    if (!list->is_array()) {
        errors.add(r.path("hosts"), "must be a list of host names");
        return;
    }
    for (std::size_t n = 0; n < list->size(); ++n) {
        const auto& item = (*list)[n];
        std::string name = item.is_string() ? item.get<std::string>() : "";
        bool ok = !name.empty();
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
        }
        if (!ok)
            errors.add(r.path("hosts") + "[" + std::to_string(n) + "]",
                       "must be a host name alone, like console.lab (no scheme, port or path)");
        else
            hosts.push_back(std::move(name));
    }
}

void read_listen(ObjectReader& root, ListenConfig& listen, JsonErrors& errors) {
    const auto* section = root.child("listen");
    if (!section) return;
    ObjectReader r(*section, root.path("listen"), errors);
    listen.address = r.string_or("address", listen.address);
    read_int(r, "port", 1, 65535, listen.port);
    listen.cert_file = r.string_or("cert_file", "");
    listen.key_file = r.string_or("key_file", "");
    listen.insecure_http = r.boolean_or("insecure_http", false);
    read_hosts(r, listen.hosts, errors);
    if (listen.cert_file.empty() != listen.key_file.empty())
        errors.add(r.path("cert_file"), "cert_file and key_file go together (HTTPS needs both)");
    r.reject_unknown_keys();
}

void read_console(ObjectReader& root, WebConfig& cfg, JsonErrors& errors) {
    const auto* section = root.child("console");
    if (!section) return;
    ObjectReader r(*section, root.path("console"), errors);
    cfg.static_dir = r.string_or("static_dir", cfg.static_dir);
    cfg.chart_js = r.string_or("chart_js", cfg.chart_js);
    r.reject_unknown_keys();
}

void read_sessions(ObjectReader& root, WebConfig& cfg, JsonErrors& errors) {
    if (const auto* section = root.child("sessions")) {
        ObjectReader r(*section, root.path("sessions"), errors);
        read_int(r, "idle_timeout_s", 60, 86400, cfg.idle_timeout_s);
        read_int(r, "max_per_account", 1, 100, cfg.max_sessions_per_account);
        r.reject_unknown_keys();
    }
    if (const auto* section = root.child("login_limit")) {
        ObjectReader r(*section, root.path("login_limit"), errors);
        read_int(r, "per_address", 1, 10000, cfg.login_limit_per_address);
        read_int(r, "per_login", 1, 1000, cfg.login_limit_per_login);
        read_int(r, "window_s", 1, 86400, cfg.login_window_s);
        r.reject_unknown_keys();
    }
}

void read_settings(ObjectReader& root, WebConfig& cfg, JsonErrors& errors) {
    cfg.time_zone = root.string_or("time_zone", "");
    cfg.currency = root.string_or("currency", cfg.currency);
    if (cfg.currency.size() != 3) errors.add("currency", "must be an ISO 4217 code like EUR");
    read_listen(root, cfg.listen, errors);
    read_console(root, cfg, errors);
    read_sessions(root, cfg, errors);
    read_int(root, "command_timeout_s", 1, 60, cfg.command_timeout_s);
    read_broker_config(root, cfg.broker, errors);
    read_log_level(root, cfg.log_level);
}

}  // namespace

tl::expected<WebConfig, std::vector<Error>> load_web_config_text(std::string_view text) {
    return ledger::load_database_config_text<WebConfig>(text, kMaxConfigBytes, "fabweb",
                                                        read_settings);
}

tl::expected<WebConfig, std::vector<Error>> load_web_config_file(const std::string& path) {
    return load_config_file<WebConfig>(path, load_web_config_text);
}

bool is_loopback(std::string_view address) {
    if (address == "localhost") return true;
    std::string text(address);
    in_addr v4{};
    if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

Status check_listener(const ListenConfig& listen) {
    if (listen.tls() || listen.insecure_http || is_loopback(listen.address)) return {};
    return fail("listen.address",
                "'" + listen.address +
                    "' is not a loopback address and there is no certificate: passwords would "
                    "cross the network in clear. Set listen.cert_file and listen.key_file, listen "
                    "on 127.0.0.1 behind a TLS reverse proxy, or set listen.insecure_http");
}

}  // namespace fabgate::web

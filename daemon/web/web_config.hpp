#pragma once
// fabweb's configuration: parsed strictly from JSON (unknown keys are errors naming the field),
// like the ledger's. Example: config/fabweb.json; every field: docs/console.md.
#include <string>
#include <string_view>
#include <vector>

#include "core/broker_config.hpp"
#include "core/result.hpp"

namespace fabgate::web {

struct ListenConfig {
    std::string address = "127.0.0.1";
    int port = 8080;
    std::string cert_file;  // PEM chain; with key_file: HTTPS
    std::string key_file;
    bool insecure_http = false;  // allow plain HTTP on a non-loopback address
    // Host names browsers use for a plain-HTTP console besides addresses and localhost (lower
    // case, no port): any other name is refused, as a DNS-rebinding page would use.
    std::vector<std::string> hosts;
    bool tls() const { return !cert_file.empty(); }
};

struct WebConfig {
    std::string database = "/var/lib/fabgate/ledger.db";
    std::string time_zone;  // the lab's IANA zone; empty: UTC
    std::string currency = "EUR";
    ListenConfig listen;
    std::string static_dir = "/usr/share/fabgate/console";
    std::string chart_js = "/usr/share/javascript/chart.js/chart.min.js";
    int idle_timeout_s = 1800;
    int max_sessions_per_account = 8;
    int login_limit_per_address = 10;
    int login_limit_per_login = 5;
    int login_window_s = 300;
    int command_timeout_s = 5;
    BrokerConfig broker;  // client_id defaults to "fabweb"
    std::string log_level = "info";
};

tl::expected<WebConfig, std::vector<Error>> load_web_config_text(std::string_view text);
tl::expected<WebConfig, std::vector<Error>> load_web_config_file(const std::string& path);

// Whether `address` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(std::string_view address);
// The refusal of a listener that would send passwords in clear over the network, or nothing.
Status check_listener(const ListenConfig& listen);

}  // namespace fabgate::web

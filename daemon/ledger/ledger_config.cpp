#include "ledger/ledger_config.hpp"

#include <cctype>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>

#include <date/tz.h>

#include "core/broker_config.hpp"
#include "core/json_reader.hpp"
#include "ledger/database_config.hpp"

namespace fabgate::ledger {
namespace {

constexpr std::size_t kMaxConfigBytes = 256 * 1024;

// The spelling of a tz database name, checked before it is looked up: no path tricks, since
// the library opens a file named after it.
bool is_plausible_zone_name(const std::string& name) {
    if (name.empty()) return true;  // UTC
    if (name.size() > 64 || name.front() == '/' || name.find("..") != std::string::npos)
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
            c != '+')
            return false;
    return true;
}

// fabctl cuts billing periods in the zone: one the system's tz database does not hold must
// fail --check-config and the start, not the billing job at the end of the month.
std::optional<std::string> unknown_zone(const std::string& name) {
    if (name.empty()) return std::nullopt;
    try {
        (void)date::locate_zone(name);
        return std::nullopt;
    } catch (const std::exception& e) {
        // locate_zone throws for an unknown name and when the tz database cannot be read.
        return "'" + name + "' is not a time zone in the tz database (" + e.what() +
               "); use an IANA name like Europe/Paris";
    }
}

void read_settings(ObjectReader& root, LedgerConfig& cfg, JsonErrors& errors) {
    read_broker_config(root, cfg.broker, errors);
    if (cfg.broker.client_id.empty() || cfg.broker.client_id.size() > 23 * 8)
        errors.add("broker.client_id",
                   "must be a fixed, non-empty id (the broker keeps our queue under it)");
    cfg.batch_max_messages =
        static_cast<int>(root.integer_or("batch_max_messages", 1, 1000, cfg.batch_max_messages));
    cfg.batch_max_ms = static_cast<int>(root.integer_or("batch_max_ms", 1, 1000, cfg.batch_max_ms));
    cfg.acl_poll_ms = static_cast<int>(root.integer_or("acl_poll_ms", 50, 2000, cfg.acl_poll_ms));
    cfg.acl_refresh_s =
        static_cast<int>(root.integer_or("acl_refresh_s", 1, 86400, cfg.acl_refresh_s));
    cfg.acl_reissue_s =
        static_cast<int>(root.integer_or("acl_reissue_s", 1, kMaxAclReissueS, cfg.acl_reissue_s));
    cfg.max_inflight =
        static_cast<int>(root.integer_or("max_inflight", 1, 65535, cfg.max_inflight));
    cfg.verify_integrity = root.boolean_or("verify_integrity", cfg.verify_integrity);
    cfg.acl_signing_key_file = root.string_or("acl_signing_key_file", "");
    cfg.busy_timeout_ms =
        static_cast<int>(root.integer_or("busy_timeout_ms", 0, 60'000, cfg.busy_timeout_ms));
    cfg.retention_days =
        static_cast<int>(root.integer_or("retention_days", 1, 3650, cfg.retention_days));
    read_log_level(root, cfg.log_level);
    cfg.time_zone = root.string_or("time_zone", "");
    if (!is_plausible_zone_name(cfg.time_zone))
        errors.add("time_zone", "'" + cfg.time_zone +
                                    "' is not an IANA time zone name like Europe/Paris or UTC");
    else if (auto unknown = unknown_zone(cfg.time_zone))
        errors.add("time_zone", *unknown);
}

}  // namespace

tl::expected<LedgerConfig, std::vector<Error>> load_ledger_config_text(std::string_view text) {
    return load_database_config_text<LedgerConfig>(text, kMaxConfigBytes, "fabledger",
                                                   read_settings);
}

tl::expected<LedgerConfig, std::vector<Error>> load_ledger_config_file(const std::string& path) {
    return load_config_file<LedgerConfig>(path, load_ledger_config_text);
}

}  // namespace fabgate::ledger

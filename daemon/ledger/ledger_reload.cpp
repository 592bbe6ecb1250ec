// SIGHUP: what a running ledger can take from a new config, and what waits for a restart.
#include <string>
#include <vector>

#include "ledger/ledger_app.hpp"
#include "sys/log.hpp"

namespace fabgate::ledger {
namespace {

bool same_broker(const BrokerConfig& a, const BrokerConfig& b) {
    auto tls_key = [](const std::optional<TlsConfig>& t) {
        return t ? t->ca_file + "\n" + t->cert_file + "\n" + t->key_file : std::string("\n\n\n-");
    };
    return a.host == b.host && a.port == b.port && a.username == b.username &&
           a.password == b.password && a.password_file == b.password_file &&
           tls_key(a.tls) == tls_key(b.tls) && a.keepalive_s == b.keepalive_s &&
           a.client_id == b.client_id;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

void LedgerApp::reload(const LedgerConfig& fresh) {
    // The open database, the broker session and the signing key are the daemon's identity:
    // swapping them under a running loop could ack into the wrong store or sign with a key
    // the gates do not hold yet.
    std::vector<std::string> needs_restart;
    if (fresh.database != config_.database) needs_restart.push_back("database");
    if (!same_broker(fresh.broker, config_.broker)) needs_restart.push_back("broker");
    if (fresh.max_inflight != config_.max_inflight) needs_restart.push_back("max_inflight");
    if (fresh.verify_integrity != config_.verify_integrity)
        needs_restart.push_back("verify_integrity");
    if (fresh.acl_signing_key_file != config_.acl_signing_key_file)
        needs_restart.push_back("acl_signing_key_file");
    if (!needs_restart.empty())
        log::warning("config",
                     joined(needs_restart) + " changed: kept as running until the next restart");

    std::vector<std::string> applied;
    auto take = [&](auto& field, const auto& value, const char* name) {
        if (field == value) return;
        applied.push_back(std::string(name) + " " + std::to_string(field) + " -> " +
                          std::to_string(value));
        field = value;
    };
    take(config_.batch_max_messages, fresh.batch_max_messages, "batch_max_messages");
    take(config_.batch_max_ms, fresh.batch_max_ms, "batch_max_ms");
    take(config_.busy_timeout_ms, fresh.busy_timeout_ms, "busy_timeout_ms");
    take(config_.retention_days, fresh.retention_days, "retention_days");  // at the next purge
    bool timers_changed = config_.acl_poll_ms != fresh.acl_poll_ms ||
                          config_.acl_refresh_s != fresh.acl_refresh_s ||
                          config_.acl_reissue_s != fresh.acl_reissue_s;
    take(config_.acl_poll_ms, fresh.acl_poll_ms, "acl_poll_ms");
    take(config_.acl_refresh_s, fresh.acl_refresh_s, "acl_refresh_s");
    take(config_.acl_reissue_s, fresh.acl_reissue_s, "acl_reissue_s");
    if (config_.log_level != fresh.log_level) {
        applied.push_back("log_level " + config_.log_level + " -> " + fresh.log_level);
        config_.log_level = fresh.log_level;
    }
    if (db_) db_->set_busy_timeout(config_.busy_timeout_ms);
    if (timers_changed && !arm_acl_timers())
        log::error("config", "cannot re-arm the access-list timers; restart fabledger");
    log::notice("config",
                "reloaded" +
                    (applied.empty() ? std::string(": nothing to apply") : ": " + joined(applied)) +
                    "; republishing every access list");
    published_.clear();
    refresh_access_lists(true);
}

}  // namespace fabgate::ledger

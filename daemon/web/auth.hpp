#pragma once
// Who is logged in to the console: Argon2id password hashes (libsodium), random session
// tokens with idle expiry and a CSRF token each, and the login rate limit. Times are given by
// the caller (milliseconds of a monotonic clock), so tests control them.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::web {

// libsodium's crypto_pwhash_str (Argon2id, interactive limits): a self-describing string.
Result<std::string> hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);
// 32 random bytes as hex (randombytes_buf).
std::string random_token();
// Constant-time comparison: how much of a guess was right must not show in the timing.
bool same_secret(std::string_view a, std::string_view b);

// A password fit for a console that can unlock a laser cutter, or why not.
Status check_password_strength(std::string_view password);

struct WebSession {
    std::string token;
    std::string csrf;
    std::string login;
    ledger::ManagerRole role = ledger::ManagerRole::Treasurer;
    std::vector<std::string> machines;  // a trainer's "site/id"
    // The account's hash at login: another one means the password was changed since.
    std::string password_hash;
    std::int64_t created_ms = 0;
    std::int64_t last_used_ms = 0;
};

class SessionStore {
  public:
    SessionStore(std::int64_t idle_timeout_ms, int max_per_account)
        : idle_timeout_ms_(idle_timeout_ms), max_per_account_(max_per_account) {}

    const WebSession& create(const ledger::ManagerAccount& account, std::int64_t now_ms);
    // The live session with this token, its idle clock restarted; null if none or expired
    // (an expired one is removed).
    WebSession* find(std::string_view token, std::int64_t now_ms);
    // The same without restarting the idle clock: for what is not the manager's use.
    WebSession* peek(std::string_view token, std::int64_t now_ms);
    void remove(std::string_view token);
    // Ends every session of a login (password changed, account removed).
    void remove_login(std::string_view login);
    std::size_t size() const { return sessions_.size(); }

  private:
    std::int64_t idle_timeout_ms_;
    int max_per_account_;
    std::map<std::string, WebSession, std::less<>> sessions_;
};

// Failed logins counted per client address and per login name over a sliding window. Only
// failures count: a manager who logs in and out all day is never locked out.
class LoginLimiter {
  public:
    LoginLimiter(int per_address, int per_login, std::int64_t window_ms)
        : per_address_(per_address), per_login_(per_login), window_ms_(window_ms) {}

    // Milliseconds until a new attempt is allowed; 0: allowed now.
    std::int64_t retry_after_ms(std::string_view address, std::string_view login,
                                std::int64_t now_ms);
    void failed(std::string_view address, std::string_view login, std::int64_t now_ms);
    void succeeded(std::string_view login);
    // For an attempt the limit refuses: whether it is the first refused for the address or
    // login that is over its limit, this window. Only those are audited: refusals cost the
    // attacker nothing, and one row each would let them flood the audit log and the ledger.
    bool first_refusal(std::string_view address, std::string_view login, std::int64_t now_ms);

  private:
    using Times = std::deque<std::int64_t>;
    using Table = std::map<std::string, Times, std::less<>>;
    using Noted = std::map<std::string, std::int64_t, std::less<>>;
    std::int64_t wait_of(Times& times, int limit, std::int64_t now_ms);
    bool note_refusal(Table& failures, Noted& noted, int limit, std::string_view key,
                      std::int64_t now_ms);
    int per_address_, per_login_;
    std::int64_t window_ms_;
    Table by_address_, by_login_;
    Noted refused_address_, refused_login_;  // when a refusal of each was last audited
};

}  // namespace fabgate::web

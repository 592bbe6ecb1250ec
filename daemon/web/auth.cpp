#include "web/auth.hpp"

#include <sodium.h>

#include <algorithm>

namespace fabgate::web {

Result<std::string> hash_password(std::string_view password) {
    if (sodium_init() < 0) return fail("libsodium", "cannot be initialised");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return fail("password hash", "out of memory");
    return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
    if (sodium_init() < 0) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_token() {
    unsigned char bytes[32];
    if (sodium_init() < 0) std::abort();  // no randomness: nothing safe to hand out
    randombytes_buf(bytes, sizeof bytes);
    char hex[sizeof bytes * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    return std::string(hex);
}

bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size() || a.empty()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status check_password_strength(std::string_view password) {
    if (password.size() < 10) return fail("password", "must have at least 10 characters");
    if (password.size() > 1024) return fail("password", "must have at most 1024 characters");
    return {};
}

const WebSession& SessionStore::create(const ledger::ManagerAccount& account, std::int64_t now_ms) {
    // Beyond the limit the oldest session of the account goes: a forgotten laptop's login
    // does not stay valid for ever.
    std::vector<const WebSession*> own;
    for (const auto& [token, s] : sessions_)
        if (s.login == account.login) own.push_back(&s);
    std::sort(own.begin(), own.end(), [](const WebSession* a, const WebSession* b) {
        return a->created_ms < b->created_ms;
    });
    auto limit = static_cast<std::size_t>(max_per_account_);
    std::size_t excess = own.size() + 1 > limit ? own.size() + 1 - limit : 0;
    for (std::size_t i = 0; i < excess; ++i) {
        std::string oldest = own[i]->token;
        sessions_.erase(oldest);
    }
    WebSession s;
    s.token = random_token();
    s.csrf = random_token();
    s.login = account.login;
    s.role = account.role;
    s.machines = account.machines;
    s.password_hash = account.password_hash;
    s.created_ms = s.last_used_ms = now_ms;
    auto [it, inserted] = sessions_.emplace(s.token, std::move(s));
    return it->second;
}

WebSession* SessionStore::find(std::string_view token, std::int64_t now_ms) {
    WebSession* session = peek(token, now_ms);
    if (session) session->last_used_ms = now_ms;
    return session;
}

WebSession* SessionStore::peek(std::string_view token, std::int64_t now_ms) {
    auto it = sessions_.find(token);
    if (it == sessions_.end()) return nullptr;
    if (now_ms - it->second.last_used_ms >= idle_timeout_ms_) {
        sessions_.erase(it);
        return nullptr;
    }
    return &it->second;
}

void SessionStore::remove(std::string_view token) {
    if (auto it = sessions_.find(token); it != sessions_.end()) sessions_.erase(it);
}

void SessionStore::remove_login(std::string_view login) {
    std::erase_if(sessions_, [&](const auto& entry) { return entry.second.login == login; });
}

std::int64_t LoginLimiter::wait_of(Times& times, int limit, std::int64_t now_ms) {
    while (!times.empty() && now_ms - times.front() >= window_ms_) times.pop_front();
    if (static_cast<int>(times.size()) < limit) return 0;
    return times.front() + window_ms_ - now_ms;
}

std::int64_t LoginLimiter::retry_after_ms(std::string_view address, std::string_view login,
                                          std::int64_t now_ms) {
    std::int64_t wait = 0;
    if (auto it = by_address_.find(address); it != by_address_.end())
        wait = std::max(wait, wait_of(it->second, per_address_, now_ms));
    if (auto it = by_login_.find(login); it != by_login_.end())
        wait = std::max(wait, wait_of(it->second, per_login_, now_ms));
    return wait;
}

void LoginLimiter::failed(std::string_view address, std::string_view login, std::int64_t now_ms) {
    by_address_[std::string(address)].push_back(now_ms);
    by_login_[std::string(login)].push_back(now_ms);
    // Bounded memory under a flood of invented logins: forget the quietest entries.
    constexpr std::size_t kMaxTracked = 10000;
    for (auto* table : {&by_address_, &by_login_})
        if (table->size() > kMaxTracked)
            std::erase_if(*table, [&](auto& entry) {
                return entry.second.empty() || now_ms - entry.second.back() >= window_ms_;
            });
}

bool LoginLimiter::note_refusal(Table& failures, Noted& noted, int limit, std::string_view key,
                                std::int64_t now_ms) {
    auto it = failures.find(key);
    if (it == failures.end() || wait_of(it->second, limit, now_ms) == 0) return false;
    if (auto was = noted.find(key); was != noted.end() && now_ms - was->second < window_ms_)
        return false;
    // Only keys over their limit get here, each after `limit` failures: as bounded as the
    // failures' tables, once the stale are forgotten.
    std::erase_if(noted, [&](const auto& entry) { return now_ms - entry.second >= window_ms_; });
    noted[std::string(key)] = now_ms;
    return true;
}

bool LoginLimiter::first_refusal(std::string_view address, std::string_view login,
                                 std::int64_t now_ms) {
    bool by_address = note_refusal(by_address_, refused_address_, per_address_, address, now_ms);
    bool by_login = note_refusal(by_login_, refused_login_, per_login_, login, now_ms);
    return by_address || by_login;
}

void LoginLimiter::succeeded(std::string_view login) {
    if (auto it = by_login_.find(login); it != by_login_.end()) by_login_.erase(it);
}

}  // namespace fabgate::web

// Peak memory of a gate taking in one access-list payload: the real path (size bound, envelope,
// signature over the raw body, bounded SAX parse, the list put in force), for a real 100k-badge
// list and for hostile payloads. Each case runs in a fresh child process; the kernel's peak-RSS
// counter (VmHWM) is reset after the payload is built, so the figure is what reading it costs.
// Prints figures and judges them: memory is not timing, so the bench exits 1 when any case's
// payload+growth exceeds the budget, 4x the payload size (payload itself included).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <malloc.h>

#include "core/messages.hpp"
#include "gate/acl_intake.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;

namespace {

long status_kb(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0)
            return std::strtol(line.c_str() + std::strlen(field) + 1, nullptr, 10);
    return -1;
}

AccessList real_list(int badges) {
    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = 1;
    list.generated_at = 1'767'225'600'000;
    for (int i = 0; i < badges; ++i) {
        char uid[16];
        std::snprintf(uid, sizeof uid, "04%06X", i);
        AccessEntry e;
        e.member = "m-" + std::to_string(i);
        e.role = i % 10 == 0 ? Role::Supervisor : Role::User;
        e.member_until = 1'798'761'600'000;
        list.entries[Uid::parse(uid).value()] = e;
    }
    return list;
}

constexpr double kBudgetTimesPayload = 4.0;

// Runs `make_payload` then the gate's intake in a child; prints payload size and peak growth.
// False when the case is over budget (or the child could not measure).
bool measure(const char* what,
             const std::function<std::string(const acl_signature::KeyPair&)>& make_payload) {
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        auto keys = acl_signature::generate_keypair().value();
        GateConfig config;
        config.site = "lab";
        config.machine = "laser-1";
        config.acl_max_bytes = static_cast<std::int64_t>(kMaxAccessListBytes);
        config.acl_public_keys = {acl_signature::to_hex(keys.public_key)};
        std::string payload = make_payload(keys);
        malloc_trim(0);
        long before = status_kb("VmRSS:");
        std::ofstream("/proc/self/clear_refs") << "5";  // reset VmHWM to the current RSS
        std::string outcome;
        {
            auto list = read_access_list(payload, config);
            // Put in force as the gate does: moved into the shared snapshot, no copy.
            auto in_force = list ? std::make_shared<AccessList>(std::move(*list)) : nullptr;
            outcome = in_force ? std::to_string(in_force->entries.size()) + " badges in force"
                               : "refused: " + list.error().message().substr(0, 70);
        }
        long peak = status_kb("VmHWM:");
        double mb = static_cast<double>(payload.size()) / 1e6;
        double growth_mb = static_cast<double>(peak - before) / 1e3;
        double times = (mb + growth_mb) / mb;
        bool within = before >= 0 && peak >= 0 && times <= kBudgetTimesPayload;
        std::printf(
            "%-44s payload %7.2f MB, peak growth %7.2f MB, payload+growth = %.2fx "
            "payload (%s)%s\n",
            what, mb, growth_mb, times, outcome.c_str(), within ? "" : "  OVER BUDGET");
        std::fflush(stdout);
        _exit(within ? 0 : 1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string signed_raw(const acl_signature::KeyPair& keys, const std::string& body) {
    auto s = acl_signature::sign_bytes(body, keys.secret_key);
    return join_access_list(body, s.key_id, s.hex);
}

}  // namespace

int main() {
    constexpr std::size_t kHostile = 10'000'000;
    std::printf("gate access-list intake, peak memory (budget: payload+growth <= %.0fx payload)\n",
                kBudgetTimesPayload);
    int over = 0;
    over += !measure("real list, 100,000 badges, signed", [](const auto& keys) {
        return acl_signature::signed_payload(real_list(100'000), keys.secret_key);
    });
    over += !measure("10 MB nested arrays, signed by the ledger", [&](const auto& keys) {
        std::string body = R"({"v":1,"type":"acl","entries":)";
        body += std::string(kHostile / 2, '[') + std::string(kHostile / 2, ']') + "}";
        return signed_raw(keys, body);
    });
    over += !measure("10 MB array of numbers, signed by the ledger", [&](const auto& keys) {
        std::string body = R"({"v":1,"type":"acl","site":"lab","entries":[)";
        for (std::size_t i = 0; body.size() < kHostile; ++i) body += "0,";
        body += "0]}";
        return signed_raw(keys, body);
    });
    over += !measure("10 MB string, signed by the ledger", [&](const auto& keys) {
        return signed_raw(keys,
                          R"({"v":1,"type":"acl","site":")" + std::string(kHostile, 'a') + "\"}");
    });
    over += !measure("10 MB of small entries, signed by the ledger", [&](const auto& keys) {
        std::string body =
            R"({"v":1,"type":"acl","site":"lab","machine":"laser-1","version":1,"generated_at":0,"entries":[)";
        for (int i = 0; body.size() < kHostile; ++i) {
            char uid[24];
            std::snprintf(uid, sizeof uid, "%08X", i);
            body += std::string(i ? "," : "") + R"({"uid":")" + uid +
                    R"(","member":"m","status":"active","role":"user"})";
        }
        body += "]}";
        return signed_raw(keys, body);
    });
    over += !measure("10 MB nested arrays, forged signature", [&](const auto&) {
        auto forger = acl_signature::generate_keypair().value();
        std::string body = std::string(kHostile / 2, '[') + std::string(kHostile / 2, ']');
        return signed_raw(forger, body);
    });
    if (over == 0) return 0;
    std::printf("%d case(s) over the budget\n", over);
    return 1;
}

#include "ctl/broker_login.hpp"

#include <filesystem>

#include "core/ids.hpp"
#include "core/json_reader.hpp"

namespace fabgate::ctl {
namespace {

constexpr const char* kLedgerUser = "fabledger";
constexpr const char* kEnrolHint = "fabgate-enrol-gate --manager NAME";

Status refuse_ledger_login(const BrokerConfig& login, const std::optional<BrokerConfig>& ledger,
                           const std::string& where) {
    bool is_ledgers = login.username == kLedgerUser ||
                      (ledger && !ledger->username.empty() && login.username == ledger->username);
    if (!is_ledgers) return {};
    return fail(where,
                "broker user '" + login.username +
                    "' is the ledger's: fabctl never connects as the ledger (the broker would "
                    "close the ledger's connection to let fabctl in, and it forbids the ledger to "
                    "send commands); use your own manager login, made with `" +
                    kEnrolHint + "`");
}

}  // namespace

std::string default_login_file(const std::string& person) {
    if (person.empty() || !is_valid_id(person)) return "";
    return std::string(kManagerLoginDir) + "/" + person + ".json";
}

Result<BrokerConfig> load_login_file(const std::string& path) {
    TRY_ASSIGN(auto text, read_text_file(path));
    TRY_ASSIGN(auto doc, parse_json(text, path, 64 * 1024));
    JsonErrors errors;
    BrokerConfig broker;
    ObjectReader root(doc, "", errors);
    if (root.valid()) {
        if (!root.has("broker")) errors.add("broker", "is required");
        read_broker_config(root, broker, errors);
        root.reject_unknown_keys();
    }
    if (!errors.empty()) return tl::unexpected(errors.combined(path));
    return broker;
}

Result<BrokerConfig> manager_login(const LoginSources& sources) {
    std::string file = sources.explicit_file;
    if (file.empty()) {
        auto candidate = default_login_file(sources.person);
        std::error_code ec;
        if (!candidate.empty() && std::filesystem::exists(candidate, ec)) file = candidate;
    }
    if (!file.empty()) {
        auto login = load_login_file(file);
        if (!login) return login;
        TRY(refuse_ledger_login(*login, sources.ledger_broker, file));
        return login;
    }
    if (sources.ledger_broker && !sources.ledger_broker->username.empty()) {
        auto wanted = default_login_file(sources.person);
        return fail("broker login",
                    "none for " + (sources.person.empty() ? std::string("you") : sources.person) +
                        (wanted.empty() ? "" : " (" + wanted + " does not exist)") +
                        "; the ledger config's login '" + sources.ledger_broker->username +
                        "' is the ledger's and fabctl never uses it. Make yours with `" +
                        kEnrolHint + "`, or name one with --broker-config FILE");
    }
    // An anonymous broker (the demo): nobody's identity to borrow.
    BrokerConfig anonymous = sources.ledger_broker.value_or(BrokerConfig{});
    anonymous.client_id.clear();
    return anonymous;
}

}  // namespace fabgate::ctl

#include "ctl/broker_login.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

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

std::string login_file(const LoginSources& sources) {
    if (!sources.explicit_file.empty()) return sources.explicit_file;
    auto candidate = default_login_file(sources.person);
    std::error_code ec;
    if (!candidate.empty() && std::filesystem::exists(candidate, ec)) return candidate;
    return "";
}

LoginTurn::~LoginTurn() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

Result<LoginTurn> take_login_turn(const std::string& file, std::chrono::milliseconds wait) {
    if (file.empty()) return LoginTurn{};
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(file, std::strerror(errno));
    LoginTurn turn(fd);
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        // A file system that cannot lock it (NFS: EBADF on a file opened to read, ENOLCK
        // without a lock manager): no turns, the command goes as it did before there were any.
        if (errno != EWOULDBLOCK && errno != EINTR) return LoginTurn{};
        if (std::chrono::steady_clock::now() >= deadline)
            return fail(file,
                        "another fabctl run with this login is still talking to the broker (the "
                        "broker lets one connection per login); try again when it is done");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return turn;
}

Result<BrokerConfig> manager_login(const LoginSources& sources) {
    std::string file = login_file(sources);
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

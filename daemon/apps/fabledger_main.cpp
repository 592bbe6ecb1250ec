// fabledger: the central billing store. Thin: arguments, config, then the loop.
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "ledger/ledger_app.hpp"
#include "ledger/ledger_config.hpp"
#include "sys/acl_signature.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"
#include "sys/system_clock.hpp"

using namespace fabgate;

namespace {

log::Level level_from(const std::string& name) {
    if (name == "error") return log::Level::Error;
    if (name == "warning") return log::Level::Warning;
    if (name == "notice") return log::Level::Notice;
    if (name == "debug") return log::Level::Debug;
    return log::Level::Info;
}

// Writes a new secret key (hex, mode 0600) and prints the public key for the gates' configs.
int generate_signing_key(const std::string& path) {
    auto pair = acl_signature::generate_keypair();
    if (!pair) {
        std::cerr << pair.error().message() << "\n";
        return 1;
    }
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) {
        std::cerr
            << path
            << ": exists; refusing to overwrite a signing key (gates trust its public half)\n";
        return 1;
    }
    mode_t old = umask(0077);
    std::ofstream out(path);
    umask(old);
    out << acl_signature::to_hex(pair->secret_key) << "\n";
    if (!out.flush()) {
        std::cerr << path << ": cannot write\n";
        return 1;
    }
    std::cout << "secret key written to " << path << " (keep it on the ledger host only)\n"
              << "put this in every gate's config:\n  \"acl_public_key\": \""
              << acl_signature::to_hex(pair->public_key) << "\"\n";
    return 0;
}

Result<ledger::AclSigner> load_signer(const std::string& path) {
    std::ifstream in(path);
    std::string hex;
    if (!(in >> hex)) return fail(path, "cannot read the access-list signing key");
    auto secret = acl_signature::from_hex(hex, "acl_signing_key_file");
    if (!secret) return tl::unexpected(Error{path, secret.error().what});
    if (secret->size() != acl_signature::kSecretKeyBytes)
        return fail(path, "is not an Ed25519 secret key (expected 128 hex digits)");
    std::array<std::uint8_t, acl_signature::kSecretKeyBytes> key{};
    std::copy(secret->begin(), secret->end(), key.begin());
    return ledger::AclSigner(
        [key](const AccessList& list) { return acl_signature::sign(list, key); });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fabledger: stores every FabGate session exactly once and publishes access lists"};
    std::string config_path, check_path, database;
    int broker_port = 0;
    bool verbose = false;
    app.add_option("-c,--config", config_path,
                   "ledger config file (JSON), e.g. config/ledger.json");
    app.add_option("--check-config", check_path,
                   "validate a config file, naming every problem, and exit");
    app.add_option("--database", database, "ledger database file (overrides the config)");
    app.add_option("--broker-port", broker_port, "broker port (overrides the config)")
        ->check(CLI::Range(1, 65535));
    std::string keygen_path;
    app.add_option(
        "--generate-signing-key", keygen_path,
        "create an Ed25519 key for signing access lists in FILE, print its public half, and exit");
    app.add_flag("-v,--verbose", verbose, "debug log lines");
    CLI11_PARSE(app, argc, argv);
    if (!keygen_path.empty()) return generate_signing_key(keygen_path);

    if (!check_path.empty()) {
        auto cfg = ledger::load_ledger_config_file(check_path);
        if (cfg) {
            std::cout << check_path << ": valid (database " << cfg->database << ", broker "
                      << cfg->broker.host << ":" << cfg->broker.port << ", client id "
                      << cfg->broker.client_id << ")\n";
            return 0;
        }
        for (const auto& e : cfg.error()) std::cerr << e.message() << "\n";
        std::cerr << check_path << ": " << cfg.error().size() << " problem(s)\n";
        return 1;
    }
    if (config_path.empty()) {
        std::cerr << "fabledger needs --config FILE (see config/ledger.json)\n";
        return 2;
    }
    auto config = ledger::load_ledger_config_file(config_path);
    if (!config) {
        for (const auto& e : config.error()) std::cerr << e.message() << "\n";
        return 1;
    }
    if (!database.empty()) config->database = database;
    if (broker_port) config->broker.port = broker_port;

    log::set_component("fabledger");
    log::set_threshold(verbose ? log::Level::Debug : level_from(config->log_level));

    try {
        EventLoop loop;
        SystemClock clock;
        ledger::AclSigner signer;
        if (!config->acl_signing_key_file.empty()) {
            auto loaded = load_signer(config->acl_signing_key_file);
            if (!loaded) {
                log::error("ledger", "cannot start: " + loaded.error().message());
                return 1;
            }
            signer = *loaded;
        } else {
            log::warning("acl", "no acl_signing_key_file: access lists go out unsigned");
        }
        ledger::LedgerApp ledger(loop, clock, *config, signer);
        (void)loop.on_signal(SIGTERM, [&] { ledger.shutdown(); });
        (void)loop.on_signal(SIGINT, [&] { ledger.shutdown(); });
        std::signal(SIGPIPE, SIG_IGN);
        if (auto s = ledger.start(); !s) {
            log::error("ledger", "cannot start: " + s.error().message());
            return 1;
        }
        notify::ready("storing sessions");
        notify::start_watchdog(loop);
        int code = loop.run();
        notify::stopping();
        ledger.drain();
        return code;
    } catch (const std::exception& e) {
        log::error("ledger", std::string("fatal: ") + e.what());
        return 70;
    }
}

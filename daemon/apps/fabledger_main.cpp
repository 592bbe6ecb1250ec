// fabledger: the central billing store. Thin: arguments, config, then the loop.
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "core/json_reader.hpp"
#include "ctl/decimal_option.hpp"
#include "ledger/ledger_app.hpp"
#include "ledger/ledger_config.hpp"
#include "service.hpp"
#include "sys/acl_signature.hpp"
#include "sys/log.hpp"
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
    if (auto written = acl_signature::write_secret_key_file(path, pair->secret_key); !written) {
        std::cerr << written.error().message() << "\n";
        return 1;
    }
    std::cout << "secret key written to " << path << " (keep it on the ledger host only)\n"
              << "put this in every gate's config:\n  \"acl_public_key\": \""
              << acl_signature::to_hex(pair->public_key) << "\"\n";
    return 0;
}

// The first step of a key rotation: a new key next to the current one, whose public half goes
// into every gate's acl_public_keys beside the current key (gates trust two).
int rotate_signing_key(const std::string& current_path) {
    const std::string next_path = current_path + ".next";
    auto pair = acl_signature::generate_keypair();
    if (!pair) {
        std::cerr << pair.error().message() << "\n";
        return 1;
    }
    if (auto written = acl_signature::write_secret_key_file(next_path, pair->secret_key);
        !written) {
        std::cerr << written.error().message() << "\n";
        return 1;
    }
    auto public_hex = acl_signature::to_hex(pair->public_key);
    std::cout << "new signing key written to " << next_path << " (key id "
              << acl_signature::key_id(pair->public_key) << ")\n"
              << "1. add it to every gate's config, next to the current key, and reload them:\n"
              << "     \"acl_public_keys\": [\"" << public_hex << "\"]\n"
              << "2. then make it the ledger's key and restart fabledger:\n"
              << "     mv " << next_path << " " << current_path << "\n"
              << "3. once every gate runs the new lists, remove the old key from the gates.\n";
    return 0;
}

Result<ledger::AclSigner> load_signer(const std::string& path) {
    // Read as a config file is: a FIFO or a device given by mistake is refused, not waited on.
    TRY_ASSIGN(auto text, read_text_file(path));
    std::istringstream in(text);
    std::string hex;
    if (!(in >> hex)) return fail(path, "holds no access-list signing key");
    auto secret = acl_signature::from_hex(hex, "acl_signing_key_file");
    if (!secret) return tl::unexpected(Error{path, secret.error().what});
    if (secret->size() != acl_signature::kSecretKeyBytes)
        return fail(path, "is not an Ed25519 secret key (expected 128 hex digits)");
    std::array<std::uint8_t, acl_signature::kSecretKeyBytes> key{};
    std::copy(secret->begin(), secret->end(), key.begin());
    return ledger::AclSigner([key](std::string_view bytes) {
        auto signature = acl_signature::sign_bytes(bytes, key);
        return ledger::SignedBytes{signature.key_id, signature.hex};
    });
}

// The command line's overrides, applied to the file's config at start and at every reload.
struct Overrides {
    std::string database;
    int broker_port = 0;
    bool verbose = false;
    void apply(ledger::LedgerConfig& cfg) const {
        if (!database.empty()) cfg.database = database;
        if (broker_port) cfg.broker.port = broker_port;
    }
    log::Level level(const ledger::LedgerConfig& cfg) const {
        return verbose ? log::Level::Debug : level_from(cfg.log_level);
    }
};

// SIGHUP (systemctl reload): a config that does not parse changes nothing.
void reload(const std::string& path, const Overrides& overrides, ledger::LedgerApp& ledger) {
    auto fresh = ledger::load_ledger_config_file(path);
    if (!fresh) {
        for (const auto& e : fresh.error())
            log::error("config", "reload refused, old config kept: " + e.message());
        return;
    }
    overrides.apply(*fresh);
    ledger.reload(*fresh);  // says what it applied under the old log level
    log::set_threshold(overrides.level(*fresh));
}

int check_config_and_exit(const std::string& path) {
    auto cfg = ledger::load_ledger_config_file(path);
    if (cfg) {
        std::cout << path << ": valid (database " << cfg->database << ", broker "
                  << cfg->broker.host << ":" << cfg->broker.port << ", client id "
                  << cfg->broker.client_id << ")\n";
        return 0;
    }
    for (const auto& e : cfg.error()) std::cerr << e.message() << "\n";
    std::cerr << path << ": " << cfg.error().size() << " problem(s)\n";
    return 1;
}

int run_ledger(const ledger::LedgerConfig& config, const std::string& config_path,
               const Overrides& overrides) {
    return run_guarded("ledger", [&] {
        EventLoop loop;
        SystemClock clock;
        ledger::AclSigner signer;
        if (!config.acl_signing_key_file.empty()) {
            auto loaded = load_signer(config.acl_signing_key_file);
            if (!loaded) {
                log::error("ledger", "cannot start: " + loaded.error().message());
                return 1;
            }
            signer = *loaded;
        } else {
            log::warning("acl", "no acl_signing_key_file: access lists go out unsigned");
        }
        ledger::LedgerApp ledger(loop, clock, config, signer);
        return run_service(loop, {.log_area = "ledger",
                                  .ready_status = "storing sessions",
                                  .start = [&] { return ledger.start(); },
                                  .shutdown = [&] { ledger.shutdown(); },
                                  .reload = [&] { reload(config_path, overrides, ledger); },
                                  .after_stop = [&] { ledger.drain(); }});
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fabledger: stores every FabGate session exactly once and publishes access lists"};
    std::string config_path, check_path, keygen_path, rotate_path;
    Overrides overrides;
    app.add_option("-c,--config", config_path,
                   "ledger config file (JSON), e.g. config/ledger.json");
    app.add_option("--check-config", check_path,
                   "validate a config file, naming every problem, and exit");
    app.add_option("--database", overrides.database, "ledger database file (overrides the config)");
    ctl::decimal_only(app.add_option("--broker-port", overrides.broker_port,
                                     "broker port (overrides the config)"))
        ->check(CLI::Range(1, 65535));
    app.add_option(
        "--generate-signing-key", keygen_path,
        "create an Ed25519 key for signing access lists in FILE, print its public half, and exit");
    app.add_option("--rotate-signing-key", rotate_path,
                   "write a new signing key to FILE.next next to the current key FILE, print its "
                   "public half and the rotation steps, and exit");
    app.add_flag("-v,--verbose", overrides.verbose, "debug log lines");
    CLI11_PARSE(app, argc, argv);
    if (!keygen_path.empty()) return generate_signing_key(keygen_path);
    if (!rotate_path.empty()) return rotate_signing_key(rotate_path);
    if (!check_path.empty()) return check_config_and_exit(check_path);
    if (config_path.empty()) {
        std::cerr << "fabledger needs --config FILE (see config/ledger.json)\n";
        return 2;
    }
    auto config = ledger::load_ledger_config_file(config_path);
    if (!config) {
        for (const auto& e : config.error()) std::cerr << e.message() << "\n";
        return 1;
    }
    overrides.apply(*config);
    log::set_component("fabledger");
    log::set_threshold(overrides.level(*config));
    return run_ledger(*config, config_path, overrides);
}

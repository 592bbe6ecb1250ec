#include "core/gate_config.hpp"

#include "core/ids.hpp"
#include "core/json_reader.hpp"
#include "core/messages.hpp"

namespace fabgate {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

bool is_public_key_hex(const std::string& key) {
    return key.size() == 64 && key.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

void read_trust(ObjectReader& root, GateConfig& cfg, JsonErrors& errors) {
    if (auto key = root.string("acl_public_key"); key && !key->empty()) {
        if (!is_public_key_hex(*key))
            errors.add("acl_public_key", "must be the ledger's Ed25519 public key: 64 hex digits");
        cfg.acl_public_keys.push_back(*key);
    }
    if (const auto* keys = root.child("acl_public_keys"); keys && !keys->is_null()) {
        if (!keys->is_array() || keys->size() > 2) {
            errors.add("acl_public_keys", "must be a list of at most two public keys");
        } else {
            for (std::size_t n = 0; n < keys->size(); ++n) {
                const auto& k = (*keys)[n];
                if (!k.is_string() || !is_public_key_hex(k.get<std::string>()))
                    errors.add("acl_public_keys[" + std::to_string(n) + "]",
                               "must be an Ed25519 public key: 64 hex digits");
                else
                    cfg.acl_public_keys.push_back(k.get<std::string>());
            }
        }
    }
    if (cfg.acl_public_keys.size() > 2)
        errors.add("acl_public_keys",
                   "a gate trusts at most two keys (the current and the next one)");
    cfg.insecure_unsigned_acl = root.boolean_or("insecure_unsigned_acl", false);
    cfg.acl_max_bytes =
        root.integer_or("acl_max_bytes", 64 * 1024, static_cast<std::int64_t>(kMaxAccessListBytes),
                        cfg.acl_max_bytes);
}

}  // namespace

tl::expected<GateConfig, std::vector<Error>> parse_gate_config(const nlohmann::json& document) {
    JsonErrors errors;
    GateConfig cfg;
    ObjectReader root(document, "", errors);
    cfg.site = root.string("site", true).value_or("");
    if (root.has("site") && !is_valid_id(cfg.site))
        errors.add("site", "use letters, digits, '-' and '_' only (it is part of MQTT topics)");
    cfg.machine = root.string("machine", true).value_or("");
    if (root.has("machine") && !is_valid_id(cfg.machine))
        errors.add("machine", "use letters, digits, '-' and '_' only (it is part of MQTT topics)");
    cfg.machine_name = root.string_or("machine_name", cfg.machine);
    cfg.journal = root.string_or("journal", cfg.journal);
    if (cfg.journal.empty()) errors.add("journal", "must not be empty");
    cfg.control_socket = root.string_or("control_socket", "");
    read_trust(root, cfg, errors);
    read_broker_config(root, cfg.broker, errors);
    read_hardware_config(root, cfg.hardware, errors);
    read_policy_config(root, cfg.policy, errors);
    root.reject_unknown_keys();

    auto& p = cfg.policy;
    p.has_busy_input = cfg.hardware.busy.has_value();
    if (p.idle_timeout_s > 0 && !p.has_busy_input)
        errors.add("policy.idle_timeout_s",
                   "needs hardware.inputs.busy: without it the gate cannot tell idle from busy");
    if (p.keep_power_while_busy && !p.has_busy_input)
        errors.add("policy.keep_power_while_busy", "needs hardware.inputs.busy");
    if (p.idle_timeout_s > 0 && p.idle_warning_s >= p.idle_timeout_s)
        errors.add("policy.idle_warning_s", "must be shorter than policy.idle_timeout_s");
    if (p.session_end == SessionEndMode::CardPresent && cfg.hardware.kind == HardwareKind::Gpio &&
        !cfg.hardware.card_present && cfg.hardware.reader.type != ReaderType::Mfrc522)
        errors.add("policy.session_end",
                   "card_present needs an MFRC522 reader or hardware.inputs.card_present");
    if (cfg.broker.client_id.empty())
        cfg.broker.client_id = "fabgate-" + cfg.site + "-" + cfg.machine;

    if (!errors.empty()) return tl::unexpected(errors.all());
    return cfg;
}

tl::expected<GateConfig, std::vector<Error>> load_gate_config_text(std::string_view text) {
    return load_config_text<GateConfig>(text, kMaxConfigBytes, parse_gate_config);
}

tl::expected<GateConfig, std::vector<Error>> load_gate_config_file(const std::string& path) {
    return load_config_file<GateConfig>(path, load_gate_config_text);
}

std::string_view embedded_demo_config() {
    return R"({
  "site": "demo",
  "machine": "printer-1",
  "machine_name": "Prusa MK4",
  "broker": {"host": "127.0.0.1", "port": 1883},
  "journal": "fabgate-journal.db",
  "insecure_unsigned_acl": true,
  "hardware": {
    "kind": "sim",
    "reader": {"type": "sim"},
    "inputs": {"busy": {"line": 0}, "interlocks": [{"name": "lid", "line": 1}]}
  },
  "policy": {"keep_power_while_busy": true, "finish_idle_s": 2, "idle_timeout_s": 900, "idle_warning_s": 60}
})";
}

}  // namespace fabgate

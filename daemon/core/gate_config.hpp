#pragma once
// The gate's configuration, as a model: parsed strictly from JSON, every problem named by
// its field. One file per gate; see config/*.json for examples. Its parts live in their own
// headers, so code that needs only the broker, the hardware or the policy includes only that.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/broker_config.hpp"
#include "core/hardware_config.hpp"
#include "core/policy_config.hpp"
#include "core/result.hpp"

namespace fabgate {

struct GateConfig {
    std::string site;
    std::string machine;
    std::string machine_name;  // for people; defaults to machine
    BrokerConfig broker;
    std::string journal = "/var/lib/fabgate/journal.db";
    std::string control_socket;  // simulated hardware: where scripts drive the gate
    // The ledger's Ed25519 public keys (hex), at most two so a key can be rotated: from
    // "acl_public_key" and/or "acl_public_keys". Lists and acks must be signed by one of them.
    std::vector<std::string> acl_public_keys;
    // Without keys, a gate refuses every list unless this says unsigned lists are acceptable.
    bool insecure_unsigned_acl = false;
    // Larger access-list payloads are refused before they are read.
    std::int64_t acl_max_bytes = 16 * 1024 * 1024;
    HardwareConfig hardware;
    MachinePolicy policy;
};

// Every problem in the document, each naming its field.
tl::expected<GateConfig, std::vector<Error>> parse_gate_config(const nlohmann::json& document);
tl::expected<GateConfig, std::vector<Error>> load_gate_config_text(std::string_view text);
// Reads a file; the errors' `where` starts with the file name.
tl::expected<GateConfig, std::vector<Error>> load_gate_config_file(const std::string& path);

// The default the demo and `fabgate` with no --config run on: simulated hardware.
std::string_view embedded_demo_config();

}  // namespace fabgate

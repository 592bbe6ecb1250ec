#pragma once
// Where and how a FabGate program (gate, ledger, fabctl, web) reaches the MQTT broker.
#include <optional>
#include <string>

namespace fabgate {

class ObjectReader;
class JsonErrors;

struct TlsConfig {
    std::string ca_file;
    std::string cert_file;  // client certificate, optional
    std::string key_file;
};

struct BrokerConfig {
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string username;
    std::string password;  // or password_file, read at start-up
    std::string password_file;
    std::optional<TlsConfig> tls;
    int keepalive_s = 30;
    std::string client_id;  // default: fabgate-<site>-<machine>
};

// Reads the "broker" section of any FabGate config (gate or ledger) into `broker`, whose
// current values are the defaults.
void read_broker_config(ObjectReader& root, BrokerConfig& broker, JsonErrors& errors);

}  // namespace fabgate

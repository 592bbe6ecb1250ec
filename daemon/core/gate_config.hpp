#pragma once
// The gate's configuration, as a model: parsed strictly from JSON, every problem named by
// its field. One file per gate; see config/*.json for examples.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

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

// A GPIO line. `chip` is a chip name ("gpiochip0"), path ("/dev/gpiochip0") or label
// ("pinctrl-bcm2711"); the line is an offset or a line name ("GPIO17").
struct GpioLine {
    std::string chip = "gpiochip0";
    std::optional<unsigned> offset;
    std::string name;
    bool active_low = false;
};

enum class Bias { AsIs, PullUp, PullDown, Disabled };

struct InputLine {
    GpioLine line;
    Bias bias = Bias::AsIs;
    int debounce_ms = 20;
};

struct NamedInput {
    std::string name;  // "lid", "e-stop", "door": shown in logs and in the session's end reason
    InputLine input;
};

enum class ReaderType { Sim, Rdm6300, Line, Evdev, Wiegand, Mfrc522 };
enum class UidFormat { Hex, Decimal };
enum class ByteOrder { MsbFirst, LsbFirst };

struct ReaderConfig {
    ReaderType type = ReaderType::Sim;
    std::string device;                     // serial tty, /dev/input/by-id/..., /dev/spidev0.0
    int baud = 9600;                        // serial readers
    UidFormat uid_format = UidFormat::Hex;  // line and evdev readers
    int decimal_bytes = 4;                  // bytes a decimal uid encodes
    ByteOrder byte_order = ByteOrder::MsbFirst;
    int repeat_suppress_ms = 1500;  // same uid read again within this window is one presentation
    // Wiegand
    std::optional<InputLine> wiegand_d0;
    std::optional<InputLine> wiegand_d1;
    // MFRC522
    int spi_speed_hz = 1'000'000;
    std::optional<GpioLine> reset_line;
    std::optional<InputLine> irq_line;
    int poll_ms = 100;
};

enum class HardwareKind { Sim, Gpio };

struct HardwareConfig {
    HardwareKind kind = HardwareKind::Sim;
    ReaderConfig reader;
    std::optional<GpioLine> relay;  // required for gpio
    std::optional<GpioLine> after_run;
    std::optional<GpioLine> led_ready;
    std::optional<GpioLine> led_in_use;
    std::optional<GpioLine> led_denied;
    std::optional<GpioLine> buzzer;
    // Dead-man output for a retriggerable monostable or a watchdog relay board: the event loop
    // toggles it every heartbeat_period_ms; a stalled loop or a dead Pi stops the toggling.
    std::optional<GpioLine> heartbeat;
    int heartbeat_period_ms = 250;
    std::optional<InputLine> busy;
    std::vector<NamedInput> interlocks;
    std::optional<InputLine> card_present;
};

enum class SessionEndMode { BadgeAgain, CardPresent };
enum class TakeoverRule { Deny, Supervisors, Anyone };

struct MachinePolicy {
    SessionEndMode session_end = SessionEndMode::BadgeAgain;
    std::int64_t idle_timeout_s = 0;  // 0: off. Needs a busy input.
    std::int64_t idle_warning_s = 60;
    std::int64_t max_session_s = 0;  // 0: no limit
    bool keep_power_while_busy = false;
    std::int64_t finish_limit_s = 4 * 3600;
    // While finishing, the job counts as done once busy has been off this long: a printer's
    // current draw dips between heater cycles.
    std::int64_t finish_idle_s = 30;
    std::int64_t after_run_s = 0;  // after-run output keeps running this long after the relay
    TakeoverRule takeover = TakeoverRule::Supervisors;
    std::int64_t checkpoint_s = 30;  // an open session is journaled this often
    // Offline too long: a list is stale past its valid_until, or this long after it was issued
    // (0: valid_until only). A stale list starts no session, or only supervisors' and
    // maintainers' with stale_acl_supervisors; a running session is never cut.
    std::int64_t acl_max_age_s = 0;
    bool stale_acl_supervisors = false;
    bool has_busy_input = false;  // filled from the hardware section
};

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

// Reads the "broker" section of any FabGate config (gate or ledger) into `broker`, whose
// current values are the defaults.
void read_broker_config(ObjectReader& root, BrokerConfig& broker, JsonErrors& errors);

// Every problem in the document, each naming its field.
tl::expected<GateConfig, std::vector<Error>> parse_gate_config(const nlohmann::json& document);
tl::expected<GateConfig, std::vector<Error>> load_gate_config_text(std::string_view text);
// Reads a file; the errors' `where` starts with the file name.
tl::expected<GateConfig, std::vector<Error>> load_gate_config_file(const std::string& path);

// The default the demo and `fabgate` with no --config run on: simulated hardware.
std::string_view embedded_demo_config();

// Site and machine ids end up in MQTT topics: letters, digits, '-' and '_' only.
bool is_valid_id(std::string_view id);

}  // namespace fabgate

#include "core/gate_config.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/json_reader.hpp"
#include "core/messages.hpp"

namespace fabgate {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::optional<GpioLine> read_line(ObjectReader& parent, const std::string& key, JsonErrors& errors,
                                  bool required = false);

GpioLine read_line_fields(ObjectReader& r, JsonErrors& errors) {
    GpioLine line;
    line.chip = r.string_or("chip", "gpiochip0");
    if (line.chip.empty()) errors.add(r.path("chip"), "must not be empty");
    if (const auto* v = r.child("line")) {
        if (v->is_number_unsigned() && v->get<std::uint64_t>() < 4096)
            line.offset = v->get<unsigned>();
        else if (v->is_string() && !v->get<std::string>().empty())
            line.name = v->get<std::string>();
        else
            errors.add(r.path("line"),
                       "must be a line offset (0 to 4095) or a line name such as \"GPIO17\"");
    } else {
        errors.add(r.path("line"), "is required");
    }
    line.active_low = r.boolean_or("active_low", false);
    return line;
}

std::optional<GpioLine> read_line(ObjectReader& parent, const std::string& key, JsonErrors& errors,
                                  bool required) {
    const auto* v = parent.child(key);
    if (!v) {
        if (required) errors.add(parent.path(key), "is required");
        return std::nullopt;
    }
    ObjectReader r(*v, parent.path(key), errors);
    if (!r.valid()) return std::nullopt;
    auto line = read_line_fields(r, errors);
    r.reject_unknown_keys();
    return line;
}

InputLine read_input_fields(ObjectReader& r, JsonErrors& errors) {
    InputLine in;
    in.line = read_line_fields(r, errors);
    auto bias = r.choice("bias", {"as_is", "pull_up", "pull_down", "disabled"}).value_or("as_is");
    in.bias = bias == "pull_up"     ? Bias::PullUp
              : bias == "pull_down" ? Bias::PullDown
              : bias == "disabled"  ? Bias::Disabled
                                    : Bias::AsIs;
    in.debounce_ms = static_cast<int>(r.integer_or("debounce_ms", 0, 1000, 20));
    return in;
}

std::optional<InputLine> read_input(ObjectReader& parent, const std::string& key,
                                    JsonErrors& errors) {
    const auto* v = parent.child(key);
    if (!v) return std::nullopt;
    ObjectReader r(*v, parent.path(key), errors);
    if (!r.valid()) return std::nullopt;
    auto in = read_input_fields(r, errors);
    r.reject_unknown_keys();
    return in;
}

}  // namespace

void read_broker_config(ObjectReader& root, BrokerConfig& b, JsonErrors& errors) {
    const auto* v = root.child("broker");
    if (!v) return;
    ObjectReader r(*v, "broker", errors);
    b.host = r.string_or("host", b.host);
    b.port = static_cast<int>(r.integer_or("port", 1, 65535, b.port));
    b.username = r.string_or("username", "");
    b.password = r.string_or("password", "");
    b.password_file = r.string_or("password_file", "");
    if (!b.password.empty() && !b.password_file.empty())
        errors.add("broker.password_file", "give either password or password_file, not both");
    b.keepalive_s = static_cast<int>(r.integer_or("keepalive_s", 5, 3600, b.keepalive_s));
    b.client_id = r.string_or("client_id", b.client_id);
    if (const auto* t = r.child("tls")) {
        ObjectReader tr(*t, "broker.tls", errors);
        TlsConfig tls;
        tls.ca_file = tr.string("ca_file", true).value_or("");
        tls.cert_file = tr.string_or("cert_file", "");
        tls.key_file = tr.string_or("key_file", "");
        if (tls.cert_file.empty() != tls.key_file.empty())
            errors.add("broker.tls", "cert_file and key_file go together");
        tr.reject_unknown_keys();
        b.tls = tls;
    }
    r.reject_unknown_keys();
}

namespace {

void read_reader(ObjectReader& hw, ReaderConfig& rc, HardwareKind kind, JsonErrors& errors) {
    const auto* v = hw.child("reader");
    if (!v) {
        if (kind == HardwareKind::Gpio) errors.add("hardware.reader", "is required");
        return;
    }
    ObjectReader r(*v, "hardware.reader", errors);
    auto type = r.choice("type", {"sim", "rdm6300", "line", "evdev", "wiegand", "mfrc522"}, true)
                    .value_or("sim");
    rc.type = type == "rdm6300"   ? ReaderType::Rdm6300
              : type == "line"    ? ReaderType::Line
              : type == "evdev"   ? ReaderType::Evdev
              : type == "wiegand" ? ReaderType::Wiegand
              : type == "mfrc522" ? ReaderType::Mfrc522
                                  : ReaderType::Sim;
    bool needs_device = rc.type == ReaderType::Rdm6300 || rc.type == ReaderType::Line ||
                        rc.type == ReaderType::Evdev || rc.type == ReaderType::Mfrc522;
    rc.device = r.string("device", needs_device).value_or("");
    rc.baud = static_cast<int>(r.integer_or("baud", 1200, 4'000'000, rc.baud));
    rc.uid_format = r.choice("uid_format", {"hex", "decimal"}).value_or("hex") == "decimal"
                        ? UidFormat::Decimal
                        : UidFormat::Hex;
    rc.decimal_bytes = static_cast<int>(r.integer_or("decimal_bytes", 1, 8, rc.decimal_bytes));
    rc.byte_order =
        r.choice("byte_order", {"msb_first", "lsb_first"}).value_or("msb_first") == "lsb_first"
            ? ByteOrder::LsbFirst
            : ByteOrder::MsbFirst;
    rc.repeat_suppress_ms =
        static_cast<int>(r.integer_or("repeat_suppress_ms", 0, 60'000, rc.repeat_suppress_ms));
    rc.wiegand_d0 = read_input(r, "d0", errors);
    rc.wiegand_d1 = read_input(r, "d1", errors);
    if (rc.type == ReaderType::Wiegand && (!rc.wiegand_d0 || !rc.wiegand_d1))
        errors.add("hardware.reader", "a wiegand reader needs both d0 and d1 lines");
    rc.spi_speed_hz =
        static_cast<int>(r.integer_or("spi_speed_hz", 100'000, 10'000'000, rc.spi_speed_hz));
    rc.reset_line = read_line(r, "reset", errors);
    rc.irq_line = read_input(r, "irq", errors);
    rc.poll_ms = static_cast<int>(r.integer_or("poll_ms", 20, 5000, rc.poll_ms));
    r.reject_unknown_keys();
}

void read_hardware(ObjectReader& root, HardwareConfig& hw, JsonErrors& errors) {
    const auto* v = root.child("hardware");
    if (!v) return;
    ObjectReader r(*v, "hardware", errors);
    hw.kind = r.choice("kind", {"sim", "gpio"}).value_or("sim") == "gpio" ? HardwareKind::Gpio
                                                                          : HardwareKind::Sim;
    read_reader(r, hw.reader, hw.kind, errors);
    if (const auto* o = r.child("outputs")) {
        ObjectReader out(*o, "hardware.outputs", errors);
        hw.relay = read_line(out, "relay", errors, hw.kind == HardwareKind::Gpio);
        hw.after_run = read_line(out, "after_run", errors);
        hw.led_ready = read_line(out, "led_ready", errors);
        hw.led_in_use = read_line(out, "led_in_use", errors);
        hw.led_denied = read_line(out, "led_denied", errors);
        hw.buzzer = read_line(out, "buzzer", errors);
        hw.heartbeat = read_line(out, "heartbeat", errors);
        hw.heartbeat_period_ms = static_cast<int>(
            out.integer_or("heartbeat_period_ms", 50, 10'000, hw.heartbeat_period_ms));
        if (out.has("heartbeat_period_ms") && !out.has("heartbeat"))
            errors.add("hardware.outputs.heartbeat_period_ms", "needs hardware.outputs.heartbeat");
        out.reject_unknown_keys();
    } else if (hw.kind == HardwareKind::Gpio) {
        errors.add("hardware.outputs.relay", "is required");
    }
    if (const auto* i = r.child("inputs")) {
        ObjectReader in(*i, "hardware.inputs", errors);
        hw.busy = read_input(in, "busy", errors);
        hw.card_present = read_input(in, "card_present", errors);
        if (const auto* list = in.child("interlocks")) {
            if (!list->is_array()) {
                errors.add("hardware.inputs.interlocks", "must be a list");
            } else {
                for (std::size_t n = 0; n < list->size(); ++n) {
                    std::string path = "hardware.inputs.interlocks[" + std::to_string(n) + "]";
                    ObjectReader ir((*list)[n], path, errors);
                    if (!ir.valid()) continue;
                    NamedInput named;
                    named.name = ir.string("name", true).value_or("");
                    if (!named.name.empty() && !is_valid_id(named.name))
                        errors.add(path + ".name", "use letters, digits, '-' and '_' only");
                    named.input = read_input_fields(ir, errors);
                    ir.reject_unknown_keys();
                    hw.interlocks.push_back(std::move(named));
                }
            }
        }
        in.reject_unknown_keys();
    }
    r.reject_unknown_keys();
}

void read_policy(ObjectReader& root, MachinePolicy& p, JsonErrors& errors) {
    const auto* v = root.child("policy");
    if (!v) return;
    ObjectReader r(*v, "policy", errors);
    constexpr std::int64_t kWeek = 7 * 24 * 3600;
    p.session_end =
        r.choice("session_end", {"badge_again", "card_present"}).value_or("badge_again") ==
                "card_present"
            ? SessionEndMode::CardPresent
            : SessionEndMode::BadgeAgain;
    p.idle_timeout_s = r.integer_or("idle_timeout_s", 0, kWeek, p.idle_timeout_s);
    p.idle_warning_s = r.integer_or("idle_warning_s", 0, kWeek, p.idle_warning_s);
    p.max_session_s = r.integer_or("max_session_s", 0, kWeek, p.max_session_s);
    p.keep_power_while_busy = r.boolean_or("keep_power_while_busy", p.keep_power_while_busy);
    p.finish_limit_s = r.integer_or("finish_limit_s", 1, kWeek, p.finish_limit_s);
    p.finish_idle_s = r.integer_or("finish_idle_s", 0, 3600, p.finish_idle_s);
    p.after_run_s = r.integer_or("after_run_s", 0, 24 * 3600, p.after_run_s);
    auto takeover = r.choice("takeover", {"deny", "supervisors", "anyone"}).value_or("supervisors");
    p.takeover = takeover == "deny"     ? TakeoverRule::Deny
                 : takeover == "anyone" ? TakeoverRule::Anyone
                                        : TakeoverRule::Supervisors;
    p.checkpoint_s = r.integer_or("checkpoint_s", 1, 3600, p.checkpoint_s);
    p.acl_max_age_s = r.integer_or("acl_max_age_s", 0, 365 * 24 * 3600, p.acl_max_age_s);
    p.stale_acl_supervisors =
        r.choice("stale_acl", {"deny", "supervisors"}).value_or("deny") == "supervisors";
    r.reject_unknown_keys();
}

}  // namespace

bool is_valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    return true;
}

namespace {

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
    read_hardware(root, cfg.hardware, errors);
    read_policy(root, cfg.policy, errors);
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
    auto doc = parse_json(text, "config", kMaxConfigBytes);
    if (!doc) return tl::unexpected(std::vector<Error>{doc.error()});
    return parse_gate_config(*doc);
}

tl::expected<GateConfig, std::vector<Error>> load_gate_config_file(const std::string& path) {
    return load_config_file<GateConfig>(
        path, [](std::string_view text) { return load_gate_config_text(text); });
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

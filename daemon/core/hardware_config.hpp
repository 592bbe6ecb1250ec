#pragma once
// The gate's hardware: reader, output and input lines. A change here needs a restart
// (gate/hardware_change.hpp), unlike the policy.
#include <optional>
#include <string>
#include <vector>

namespace fabgate {

class ObjectReader;
class JsonErrors;

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

// Reads the gate config's "hardware" section into `hardware`, whose current values are the
// defaults.
void read_hardware_config(ObjectReader& root, HardwareConfig& hardware, JsonErrors& errors);

}  // namespace fabgate

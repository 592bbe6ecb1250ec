#pragma once
// The gate's hardware, simulated: a virtual badge reader, relay, after-run output, LEDs and
// buzzer (as a signal name) and the configured inputs. Driven by text commands, so a script or
// a person at a terminal can play the member at the machine.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/hardware_config.hpp"
#include "core/ports.hpp"
#include "core/result.hpp"

namespace fabgate {

class SimHardware final : public Outputs {
  public:
    SimHardware(const HardwareConfig& config, HardwareEvents& events);
    ~SimHardware() override;

    void set_relay(bool on) override;
    void set_after_run(bool on) override;
    void indicate(Indication indication) override;

    // One command line: badge UID | remove | busy on|off | interlock NAME open|closed |
    // card on|off | fault DEVICE on|off | status | help. Returns the reply text.
    Result<std::string> execute(std::string_view line);
    std::string describe() const;  // "relay=on after_run=off signal=in_use"

    // Every output change, as "relay on", "after_run off", "signal denied".
    void on_change(std::function<void(std::string_view)> listener) {
        listener_ = std::move(listener);
    }

    bool relay() const { return relay_; }
    bool after_run() const { return after_run_; }
    Indication indication() const { return signal_; }

  private:
    void changed(const std::string& what);

    HardwareEvents& events_;
    bool has_busy_;
    bool has_card_present_;
    std::set<std::string> interlocks_;
    bool relay_ = false;
    bool after_run_ = false;
    Indication signal_ = Indication::Ready;  // steady: what the LEDs show now
    std::optional<Indication> flash_;        // the last Granted/Denied played during a command
    std::function<void(std::string_view)> listener_;
};

}  // namespace fabgate

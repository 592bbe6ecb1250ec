#include "sim_gate.hpp"

#include "control_socket.hpp"
#include "sim_hardware.hpp"
#include "sys/log.hpp"

namespace fabgate {
namespace {

class SimGate final : public Outputs {
  public:
    SimGate(const GateConfig& config, EventLoop& loop, HardwareEvents& events)
        : hardware_(config.hardware, events), socket_(loop, hardware_) {}
    Status listen(const std::string& path) { return socket_.listen(path); }
    void set_relay(bool on) override { hardware_.set_relay(on); }
    void set_after_run(bool on) override { hardware_.set_after_run(on); }
    void indicate(Indication indication) override { hardware_.indicate(indication); }

  private:
    SimHardware hardware_;
    ControlSocket socket_;
};

}  // namespace

Result<std::unique_ptr<Outputs>> open_sim_hardware(const GateConfig& config, EventLoop& loop,
                                                   HardwareEvents& events, const Clock&) {
    auto gate = std::make_unique<SimGate>(config, loop, events);
    if (!config.control_socket.empty()) {
        TRY(gate->listen(config.control_socket));
        log::info("sim", "simulated hardware; drive it with: fabgate --control-socket " +
                             config.control_socket + " --send 'badge 04A1B2C3'");
    } else {
        log::notice("sim",
                    "simulated hardware without a control socket: nothing can badge at this gate");
    }
    return std::unique_ptr<Outputs>(std::move(gate));
}

}  // namespace fabgate

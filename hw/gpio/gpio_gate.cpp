// GpioGate: building the gate's lines, starting them, the clock-driven service, and what it
// reports. Line supervision, outputs and inputs are in gpio_gate_{supervision,outputs,inputs}.cpp.
#include "gpio/gpio_gate.hpp"

#include <algorithm>
#include <stdexcept>

#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

}  // namespace

GpioGate::GpioGate(const HardwareConfig& config, EventLoop& loop, HardwareEvents& events,
                   const Clock& clock, std::unique_ptr<GpioBackend> backend, GpioOptions options)
    : config_(config),
      loop_(loop),
      events_(loop, events),
      clock_(clock),
      backend_(std::move(backend)),
      options_(std::move(options)) {
    add_output("relay", config_.relay, false);
    add_output("after_run", config_.after_run, false);
    add_output("led_ready", config_.led_ready, true);
    add_output("led_in_use", config_.led_in_use, true);
    add_output("led_denied", config_.led_denied, true);
    add_output("buzzer", config_.buzzer, true);
    add_output("heartbeat", config_.heartbeat, false);
    // An MFRC522's NRSTPD powers the chip down while low: the line is held inactive (out of
    // reset; configure it "active_low": true) for as long as the gate runs.
    if (config_.reader.type == ReaderType::Mfrc522)
        add_output("reader_reset", config_.reader.reset_line, false);
    if (config_.busy) add_input("busy", InputKind::Busy, "busy", *config_.busy);
    for (const auto& interlock : config_.interlocks)
        add_input("interlock-" + interlock.name, InputKind::Interlock, interlock.name,
                  interlock.input);
    if (config_.card_present)
        add_input("card_present", InputKind::CardPresent, "card_present", *config_.card_present);
    const auto& reader = config_.reader;
    if (reader.type == ReaderType::Wiegand && reader.wiegand_d0 && reader.wiegand_d1) {
        add_input("wiegand_d0", InputKind::CardPresent, "", *reader.wiegand_d0, 0);
        add_input("wiegand_d1", InputKind::CardPresent, "", *reader.wiegand_d1, 1);
        wiegand_.emplace(events_, reader.repeat_suppress_ms);
    }
    timer_ = loop_.add_timer(std::chrono::hours(1), [this] { service(); });
    if (timer_ == 0) throw std::runtime_error("gpio: no timerfd for the GPIO timer");
    loop_.disarm(timer_);
}

GpioGate::~GpioGate() {
    loop_.cancel_timer(timer_);
    reader_.reset();
    for (auto& slot : inputs_) release(slot);
    // The relay first: if anything below hangs or fails, the machine is already off.
    if (auto* relay = output("relay"); relay && relay->port) (void)relay->port->set(false);
    for (auto& slot : outputs_)
        if (slot.port) (void)slot.port->set(false);
    // Released only once all are off: a Pi keeps a released line at its last level.
    for (auto& slot : outputs_) slot.port.reset();
    log::info(kArea, "outputs off, lines released");
}

void GpioGate::add_output(std::string role, const std::optional<GpioLine>& line, bool indicator) {
    if (!line) return;
    OutputSlot slot;
    slot.role = std::move(role);
    slot.line = *line;
    slot.indicator = indicator;
    outputs_.push_back(std::move(slot));
}

void GpioGate::add_input(std::string role, InputKind kind, std::string name, const InputLine& input,
                         int wiegand_bit) {
    InputSlot slot;
    slot.role = std::move(role);
    slot.kind = kind;
    slot.name = std::move(name);
    slot.input = input;
    slot.wiegand_bit = wiegand_bit;
    slot.debouncer = Debouncer(input.debounce_ms);
    inputs_.push_back(std::move(slot));
}

GpioGate::OutputSlot* GpioGate::output(std::string_view role) {
    for (auto& slot : outputs_)
        if (slot.role == role) return &slot;
    return nullptr;
}

Status GpioGate::start() {
    if (!config_.relay) return fail("hardware.outputs.relay", "is required for gpio hardware");
    const auto& reader = config_.reader;
    switch (reader.type) {
        case ReaderType::Wiegand:
            if (!wiegand_)
                return fail("hardware.reader", "a wiegand reader needs both d0 and d1 lines");
            break;
        case ReaderType::Sim:
            log::warning(
                kArea,
                "no badge reader (reader type \"sim\" on gpio hardware): nobody can badge here");
            break;
        default:
            if (!options_.open_reader)
                return fail("hardware.reader", "this build cannot open badge readers");
            TRY_ASSIGN(auto opened, options_.open_reader(reader, loop_, events_, clock_));
            reader_ = std::move(opened);
            log::info(kArea, "badge reader: " + reader_->describe());
            // An MFRC522 finds a card only by transmitting REQA, so it is polled in any case.
            if (reader.type == ReaderType::Mfrc522 && reader.irq_line)
                log::notice(kArea,
                            "hardware.reader.irq is not used: the MFRC522 is polled every "
                            "poll_ms, its IRQ pin can stay unwired");
    }
    // The relay first, requested off: nothing that follows can leave the machine powered.
    for (auto& slot : outputs_) acquire(slot);
    for (auto& slot : inputs_) acquire(slot);
    MonoMs now = clock_.monotonic();
    play(steady_, now);
    if (config_.heartbeat) next_beat_ = now + config_.heartbeat_period_ms;
    if (!faults_.empty()) {
        log::error(kArea, std::to_string(faults_.size()) + " GPIO line(s) missing: " +
                              (safety_fault() ? "the gate starts in fault, relay off, "
                                              : "the gate runs without those LEDs or buzzer, ") +
                              "and retries every " +
                              std::to_string(options_.retry_interval.count()) + " ms");
        retry_at_ = now + options_.retry_interval.count();
    }
    log::info(kArea, describe());
    reschedule();
    return {};
}

void GpioGate::service() {
    MonoMs now = clock_.monotonic();
    for (auto& slot : inputs_) {
        if (slot.wiegand_bit >= 0 || !slot.port) continue;
        auto deadline = slot.debouncer.next_deadline();
        if (deadline && *deadline <= now) settle(slot, now);
    }
    if (wiegand_) {
        auto deadline = wiegand_->next_deadline();
        // Edges already queued in the kernel may belong to this frame: a loop that reaches the
        // timer before the D0/D1 fds (a loaded Pi, or both ready in one round) must not split it.
        if (deadline && *deadline <= now && drain_wiegand()) {
            deadline = wiegand_->next_deadline();
            if (deadline && *deadline <= now) {
                wiegand_->service(now);
                log_wiegand_drops();
            }
        }
    }
    if (transient_until_ && *transient_until_ <= now) {
        transient_until_.reset();
        play(steady_, now);
    }
    for (auto& slot : outputs_)
        if (slot.indicator && slot.player.advance(now)) write(slot, slot.player.level());
    if (next_beat_ && *next_beat_ <= now) beat(now);
    if (retry_at_ && *retry_at_ <= now) retry();
    reschedule();
}

void GpioGate::reschedule() {
    std::optional<MonoMs> next;
    auto consider = [&next](std::optional<MonoMs> t) {
        if (t && (!next || *t < *next)) next = t;
    };
    for (const auto& slot : inputs_)
        if (slot.port && slot.wiegand_bit < 0) consider(slot.debouncer.next_deadline());
    if (wiegand_) consider(wiegand_->next_deadline());
    consider(transient_until_);
    for (const auto& slot : outputs_)
        if (slot.indicator && slot.port) consider(slot.player.next_change());
    consider(retry_at_);
    consider(next_beat_);
    if (!next) {
        loop_.disarm(timer_);  // nothing due: no wake-ups
        return;
    }
    MonoMs delay = std::max<MonoMs>(1, *next - clock_.monotonic());
    loop_.arm(timer_, std::chrono::milliseconds(delay));
}

std::vector<std::string> GpioGate::faulted_roles() const {
    std::vector<std::string> roles;
    for (const auto& [role, reason] : faults_) roles.push_back(role);
    return roles;
}

std::optional<bool> GpioGate::output_level(std::string_view role) const {
    for (const auto& slot : outputs_)
        if (slot.role == role) return slot.level;
    return std::nullopt;
}

std::string GpioGate::describe() const {
    std::string text;
    for (const auto& slot : outputs_) {
        text += (text.empty() ? "" : " ") + slot.role + "=" + (slot.level ? "on" : "off");
        if (!slot.port) text += "(missing)";
    }
    for (const auto& slot : inputs_) {
        if (slot.wiegand_bit >= 0) continue;
        text += " " + slot.role + "=" +
                (!slot.reported   ? "?"
                 : *slot.reported ? "active"
                                  : "inactive");
        if (!slot.port) text += "(missing)";
    }
    if (wiegand_)
        text += std::string(" wiegand") +
                (faults_.count("wiegand_d0") || faults_.count("wiegand_d1") ? "(missing)" : "");
    return text;
}

}  // namespace fabgate::gpio

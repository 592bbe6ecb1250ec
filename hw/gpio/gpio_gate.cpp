// GpioGate: building the gate's lines, starting them, the clock-driven service, and what a lost
// line means for the rest.
#include "gpio/gpio_gate.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "gpio/earliest.hpp"
#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";

// An MFRC522 leaving hard power-down answers on SPI once its crystal has started, plus 37.74 us
// (datasheet 8.8.3). Crystals take up to a few ms; 50 ms is what the common driver waits.
constexpr std::chrono::milliseconds kMfrc522StartUp{50};

}  // namespace

GpioGate::GpioGate(const HardwareConfig& config, EventLoop& loop, HardwareEvents& events,
                   const Clock& clock, std::unique_ptr<GpioBackend> backend, GpioOptions options)
    : config_(config),
      loop_(loop),
      events_(loop, events),
      clock_(clock),
      backend_(std::move(backend)),
      options_(std::move(options)),
      lines_(events_, options_.retry_interval),
      outputs_(
          *backend_, lines_, [this](const auto& role, const auto& why) { lost(role, why); },
          config_.heartbeat_period_ms),
      inputs_(
          loop_, *backend_, lines_, events_, clock_,
          [this](const auto& role, const auto& why) { lost(role, why); },
          [this] { reschedule(); }) {
    outputs_.add("relay", config_.relay, false);
    outputs_.add("after_run", config_.after_run, false);
    outputs_.add("led_ready", config_.led_ready, true);
    outputs_.add("led_in_use", config_.led_in_use, true);
    outputs_.add("led_denied", config_.led_denied, true);
    outputs_.add("buzzer", config_.buzzer, true);
    outputs_.add("heartbeat", config_.heartbeat, false);
    // An MFRC522's NRSTPD powers the chip down while low: the line is held inactive (out of
    // reset; configure it "active_low": true) for as long as the gate runs.
    if (config_.reader.type == ReaderType::Mfrc522)
        outputs_.add("reader_reset", config_.reader.reset_line, false);
    if (config_.busy) inputs_.add("busy", InputKind::Busy, "busy", *config_.busy);
    for (const auto& interlock : config_.interlocks)
        inputs_.add("interlock-" + interlock.name, InputKind::Interlock, interlock.name,
                    interlock.input);
    if (config_.card_present)
        inputs_.add("card_present", InputKind::CardPresent, "card_present", *config_.card_present);
    const auto& reader = config_.reader;
    if (reader.type == ReaderType::Wiegand && reader.wiegand_d0 && reader.wiegand_d1)
        wiegand_.emplace(
            loop_, *backend_, lines_, events_, clock_, *reader.wiegand_d0, *reader.wiegand_d1,
            reader.repeat_suppress_ms,
            [this](const auto& role, const auto& why) { lost(role, why); },
            [this] { reschedule(); });
    groups_.push_back(&inputs_);
    if (wiegand_) groups_.push_back(&*wiegand_);
    timer_ = loop_.add_timer(std::chrono::hours(1), [this] { service(); });
    if (timer_ == 0) throw std::runtime_error("gpio: no timerfd for the GPIO timer");
    loop_.disarm(timer_);
}

GpioGate::~GpioGate() {
    loop_.cancel_timer(timer_);
    reader_.reset();
    for (auto* group : groups_) group->release_all();
    outputs_.all_off_and_release();
    log::info(kArea, "outputs off, lines released");
}

Status GpioGate::start() {
    if (!config_.relay) return fail("hardware.outputs.relay", "is required for gpio hardware");
    // The relay first, requested off: nothing that follows can leave the machine powered. And
    // before the reader: an MFRC522's reset line, low at boot, must be released for it to answer.
    outputs_.acquire_missing();
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
            // Once, before the gate is ready: the chip was held in reset until the line above.
            if (reader.type == ReaderType::Mfrc522 && reader.reset_line)
                std::this_thread::sleep_for(kMfrc522StartUp);
            TRY_ASSIGN(auto opened, options_.open_reader(reader, loop_, events_, clock_));
            reader_ = std::move(opened);
            log::info(kArea, "badge reader: " + reader_->describe());
            // An MFRC522 finds a card only by transmitting REQA, so it is polled in any case.
            if (reader.type == ReaderType::Mfrc522 && reader.irq_line)
                log::notice(kArea,
                            "hardware.reader.irq is not used: the MFRC522 is polled every "
                            "poll_ms, its IRQ pin can stay unwired");
    }
    for (auto* group : groups_) group->acquire_missing();
    MonoMs now = clock_.monotonic();
    outputs_.start(now);
    if (lines_.any_fault()) {
        log::error(kArea,
                   std::to_string(lines_.fault_count()) + " GPIO line(s) missing: " +
                       (lines_.safety_fault() ? "the gate starts in fault, relay off, "
                                              : "the gate runs without those LEDs or buzzer, ") +
                       "and retries every " + std::to_string(options_.retry_interval.count()) +
                       " ms");
        lines_.retry_from(now);
    }
    log::info(kArea, describe());
    reschedule();
    return {};
}

void GpioGate::set_relay(bool on) {
    outputs_.set_relay(on);
}

void GpioGate::set_after_run(bool on) {
    outputs_.set_after_run(on);
}

void GpioGate::indicate(Indication indication) {
    outputs_.indicate(indication, clock_.monotonic());
    reschedule();
}

void GpioGate::service() {
    MonoMs now = clock_.monotonic();
    for (auto* group : groups_) group->service(now);
    outputs_.service(now);
    if (lines_.take_due_retry(now)) retry();
    reschedule();
}

void GpioGate::reschedule() {
    auto next = earliest(outputs_.next_deadline(), lines_.next_retry());
    for (const auto* group : groups_) next = earliest(next, group->next_deadline());
    if (!next) {
        loop_.disarm(timer_);  // nothing due: no wake-ups
        return;
    }
    MonoMs delay = std::max<MonoMs>(1, *next - clock_.monotonic());
    loop_.arm(timer_, std::chrono::milliseconds(delay));
}

void GpioGate::lost(const std::string& role, const std::string& reason) {
    outputs_.release(role);
    for (auto* group : groups_) group->release(role);
    lines_.mark_fault(role, reason);
    if (!is_indicator_role(role)) outputs_.relay_off_after_loss();
    check_held_lines();
    lines_.retry_from(clock_.monotonic());
    reschedule();
}

// After a failure, every held line is checked: a chip that vanished takes all of its lines.
void GpioGate::check_held_lines() {
    outputs_.check_held();
    for (auto* group : groups_) group->check_held();
    if (lines_.safety_fault()) outputs_.force_relay_off();
}

void GpioGate::retry() {
    check_held_lines();
    outputs_.acquire_missing();
    for (auto* group : groups_) group->acquire_missing();
    lines_.retry_again_if_missing(clock_.monotonic());
}

std::vector<std::string> GpioGate::faulted_roles() const {
    return lines_.faulted_roles();
}

std::optional<bool> GpioGate::output_level(std::string_view role) const {
    return outputs_.level(role);
}

std::string GpioGate::describe() const {
    std::string text = outputs_.describe() + inputs_.describe();
    if (wiegand_) text += std::string(" wiegand") + (wiegand_->missing() ? "(missing)" : "");
    return text;
}

}  // namespace fabgate::gpio

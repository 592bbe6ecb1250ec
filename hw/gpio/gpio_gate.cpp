#include "gpio/gpio_gate.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <stdexcept>

#include "sys/log.hpp"

namespace fabgate::gpio {
namespace {

constexpr std::string_view kArea = "gpio";
// Kernel edge timestamps are CLOCK_MONOTONIC like the gate's clock; one further off than this
// comes from another clock (an old kernel's realtime stamps) and is replaced by "now".
constexpr MonoMs kPlausibleEventAgeMs = 10'000;

bool is_indicator_role(std::string_view role) {
    return role == "led_ready" || role == "led_in_use" || role == "led_denied" || role == "buzzer";
}

// An LED or buzzer only tells the member what is happening: losing one degrades the gate
// ("indicator:"), it never switches a running machine off the way a lost relay, input or reader
// line ("gpio:") does.
std::string device_name(const std::string& role) {
    return (is_indicator_role(role) ? "indicator:" : "gpio:") + role;
}

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
            auto opened = options_.open_reader(reader, loop_, events_, clock_);
            if (!opened) return tl::unexpected(opened.error());
            reader_ = std::move(*opened);
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
        log::error(kArea, std::to_string(faults_.size()) +
                              " GPIO line(s) missing: the gate starts in fault, relay off, "
                              "and retries every " +
                              std::to_string(options_.retry_interval.count()) + " ms");
        retry_at_ = now + options_.retry_interval.count();
    }
    log::info(kArea, describe());
    reschedule();
    return {};
}

bool GpioGate::acquire(OutputSlot& slot) {
    auto port = backend_->request_output(slot.line, slot.level, slot.role);
    if (!port) {
        mark_fault(slot.role, port.error().message());
        return false;
    }
    slot.port = std::move(*port);
    clear_fault(slot.role);
    return true;
}

bool GpioGate::acquire(InputSlot& slot) {
    bool wiegand = slot.wiegand_bit >= 0;
    auto port =
        backend_->request_input(slot.input, wiegand ? Edge::Falling : Edge::Both, slot.role);
    if (!port) {
        mark_fault(slot.role, port.error().message());
        return false;
    }
    slot.port = std::move(*port);
    auto watched = loop_.watch(slot.port->fd(), EPOLLIN, [this, &slot](std::uint32_t events) {
        if (slot.wiegand_bit >= 0)
            on_wiegand(slot, events);
        else
            on_input(slot, events);
    });
    if (!watched) {
        slot.port.reset();
        mark_fault(slot.role, watched.error().message());
        return false;
    }
    if (wiegand) {
        wiegand_->reset();
    } else {
        auto level = slot.port->get();
        if (!level) {
            release(slot);
            mark_fault(slot.role, level.error().message());
            return false;
        }
        slot.debouncer.reset(*level);
        // Reported before the fault clears, so the gate never sees a lid "closed" in between.
        if (slot.reported != *level) report(slot, *level);
    }
    clear_fault(slot.role);
    return true;
}

void GpioGate::release(InputSlot& slot) {
    if (!slot.port) return;
    loop_.unwatch(slot.port->fd());
    slot.port.reset();
}

void GpioGate::mark_fault(const std::string& role, const std::string& reason) {
    auto it = faults_.find(role);
    if (it != faults_.end()) {
        if (it->second != reason) log::debug(kArea, role + " still missing: " + reason);
        it->second = reason;
        return;
    }
    faults_[role] = reason;
    log::error(kArea, role + " line missing: " + reason);
    events_.device_fault(device_name(role), true, reason);
}

void GpioGate::clear_fault(const std::string& role) {
    if (faults_.erase(role) == 0) return;
    log::notice(kArea, role + " line is back");
    events_.device_fault(device_name(role), false, "");
}

void GpioGate::lost(const std::string& role, const std::string& reason) {
    for (auto& slot : outputs_)
        if (slot.role == role) slot.port.reset();
    for (auto& slot : inputs_)
        if (slot.role == role) release(slot);
    if (wiegand_ && role.rfind("wiegand_", 0) == 0) wiegand_->reset();
    mark_fault(role, reason);
    if (auto* relay = output("relay"); relay && relay->level && !is_indicator_role(role)) {
        log::warning(kArea, "relay switched off: a GPIO line was lost");
        write(*relay, false);
    }
    check_held_lines();
    if (!retry_at_) retry_at_ = clock_.monotonic() + options_.retry_interval.count();
    reschedule();
}

void GpioGate::check_held_lines() {
    for (auto& slot : outputs_) {
        if (!slot.port) continue;
        if (auto s = slot.port->set(slot.level); !s) {
            slot.port.reset();
            mark_fault(slot.role, s.error().message());
        }
    }
    for (auto& slot : inputs_) {
        if (!slot.port) continue;
        if (auto level = slot.port->get(); !level) {
            release(slot);
            mark_fault(slot.role, level.error().message());
        }
    }
    if (safety_fault()) {
        if (auto* relay = output("relay")) {
            relay->level = false;
            if (relay->port) (void)relay->port->set(false);
        }
    }
}

void GpioGate::retry() {
    retry_at_.reset();
    check_held_lines();
    for (auto& slot : outputs_)
        if (!slot.port) acquire(slot);
    for (auto& slot : inputs_)
        if (!slot.port) acquire(slot);
    if (!faults_.empty()) retry_at_ = clock_.monotonic() + options_.retry_interval.count();
}

void GpioGate::write(OutputSlot& slot, bool level) {
    slot.level = level;
    if (!slot.port) return;
    if (auto s = slot.port->set(level); !s) lost(slot.role, s.error().message());
}

void GpioGate::set_relay(bool on) {
    auto* relay = output("relay");
    if (!relay) return;
    if (on && safety_fault()) {
        log::warning(kArea, "relay stays off: GPIO line(s) missing");
        return;
    }
    write(*relay, on);
}

void GpioGate::set_after_run(bool on) {
    if (auto* slot = output("after_run")) write(*slot, on);
}

void GpioGate::indicate(Signal signal) {
    MonoMs now = clock_.monotonic();
    if (is_transient(signal)) {
        play(signal, now);
        transient_until_ = now + indication_for(signal).transient_ms;
    } else {
        steady_ = signal;
        // A steady signal arriving during Granted/Denied waits for it to finish: the core says
        // Granted and InUse in one breath, and the member should still hear the beep.
        if (!transient_until_) play(signal, now);
    }
    reschedule();
}

void GpioGate::play(Signal signal, MonoMs now) {
    auto indication = indication_for(signal);
    for (auto& slot : outputs_) {
        if (!slot.indicator) continue;
        const Pattern& pattern = slot.role == "led_ready"    ? indication.led_ready
                                 : slot.role == "led_in_use" ? indication.led_in_use
                                 : slot.role == "led_denied" ? indication.led_denied
                                                             : indication.buzzer;
        slot.player.start(pattern, now);
        if (slot.player.level() != slot.level) write(slot, slot.player.level());
    }
}

void GpioGate::on_input(InputSlot& slot, std::uint32_t events) {
    auto read = slot.port->read_events();
    if (!read) return lost(slot.role, read.error().message());
    if (read->empty() && (events & (EPOLLERR | EPOLLHUP)))
        return lost(slot.role, "the GPIO chip went away");
    for (const auto& event : *read)
        slot.debouncer.edge(event.rising, event_time(event.timestamp_ns));
    if (slot.debouncer.window_ms() == 0 && !read->empty()) settle(slot, clock_.monotonic());
    reschedule();
}

void GpioGate::on_wiegand(InputSlot& slot, std::uint32_t events) {
    auto drained = drain_wiegand();
    if (!drained) return;
    if (*drained == 0 && (events & (EPOLLERR | EPOLLHUP)))
        return lost(slot.role, "the GPIO chip went away");
    reschedule();
}

std::optional<std::size_t> GpioGate::drain_wiegand() {
    std::vector<LineEvent> lines[2];
    for (auto& s : inputs_) {
        if (s.wiegand_bit < 0 || !s.port) continue;
        auto read = s.port->read_events();
        if (!read) {
            lost(s.role, read.error().message());
            return std::nullopt;
        }
        lines[s.wiegand_bit] = std::move(*read);
    }
    auto pulses = merge_pulses(lines[0], lines[1]);
    for (auto& pulse : pulses) pulse.t = event_time(pulse.t * 1'000'000);
    wiegand_->pulses(pulses);
    log_wiegand_drops();
    return pulses.size();
}

void GpioGate::log_wiegand_drops() {
    const auto& drops = wiegand_->drops();
    if (drops.bad_length != logged_wiegand_drops_.bad_length)
        log::debug("reader", "dropped a Wiegand frame of " + std::to_string(drops.last_bad_length) +
                                 " bits (26 or 34 expected): bits lost, or noise on D0/D1");
    if (drops.parity != logged_wiegand_drops_.parity)
        log::debug("reader", "dropped a Wiegand frame with a parity error");
    logged_wiegand_drops_ = drops;
}

void GpioGate::settle(InputSlot& slot, MonoMs now) {
    auto level = slot.port->get();
    if (!level) return lost(slot.role, level.error().message());
    if (auto settled = slot.debouncer.settle(now, *level)) report(slot, *settled);
}

void GpioGate::report(InputSlot& slot, bool level) {
    slot.reported = level;
    log::debug(kArea, slot.role + (level ? " active" : " inactive"));
    events_.input_changed(slot.kind, slot.name, level);
}

MonoMs GpioGate::event_time(std::int64_t timestamp_ns) const {
    MonoMs now = clock_.monotonic();
    MonoMs t = timestamp_ns / 1'000'000;
    if (t > now || now - t > kPlausibleEventAgeMs) return now;
    return t;
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

void GpioGate::beat(MonoMs now) {
    if (auto* heartbeat = output("heartbeat")) write(*heartbeat, !heartbeat->level);
    // From now, not from the missed deadline: a loop that stalled does not catch up with a
    // burst of edges that would look like a healthy loop.
    next_beat_ = now + config_.heartbeat_period_ms;
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

bool GpioGate::safety_fault() const {
    for (const auto& [role, reason] : faults_)
        if (!is_indicator_role(role)) return true;
    return false;
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

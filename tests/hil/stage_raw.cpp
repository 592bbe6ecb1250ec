// Stage a: what the adapters rely on, checked on a real gpiochip character device. If this
// fails, the simulator (not FabGate) is broken and later stages mean nothing.
#include "stages.hpp"

#ifndef FABGATE_HIL_HAVE_RAW

namespace fabgate::hil {
void run_raw_stage(Verdicts& verdicts) {
    verdicts.note("raw stage not built: it checks the libgpiod 1.x API and this build uses 2.x");
}
}  // namespace fabgate::hil

#else

#include <gpiod.h>

#include <ctime>
#include <string>

#include "sim_chip.hpp"
#include "wiegand_driver.hpp"

namespace fabgate::hil {
namespace {

// Waits for one edge; 0 when none came within the timeout.
int next_edge(gpiod_line* line, long timeout_ms) {
    timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000};
    if (gpiod_line_event_wait(line, &timeout) != 1) return 0;
    gpiod_line_event event{};
    if (gpiod_line_event_read(line, &event) != 0) return 0;
    return event.event_type;
}

}  // namespace

void run_raw_stage(Verdicts& v) {
    constexpr unsigned kOut = 0, kIn = 1, kNamed = 5;
    std::string error;
    auto sim = SimChip::create("raw", 8, {{kNamed, "GPIO17"}}, error);
    if (!v.check(sim != nullptr, "raw/sim-chip-created", error)) return;
    v.note("raw: simulated chip is " + sim->chip_name());

    gpiod_chip* chip = gpiod_chip_open_by_name(sim->chip_name().c_str());
    if (!v.check(chip != nullptr, "raw/chip-opens")) return;

    gpiod_line* out = gpiod_chip_get_line(chip, kOut);
    v.check(out && gpiod_line_request_output(out, "fabgate-hil", 0) == 0, "raw/output-request");
    v.check(sim->value(kOut) == 0, "raw/output-starts-low");
    gpiod_line_set_value(out, 1);
    v.check(sim->value(kOut) == 1, "raw/output-high-seen-outside");
    gpiod_line_set_value(out, 0);
    v.check(sim->value(kOut) == 0, "raw/output-low-seen-outside");
    gpiod_line_release(out);

    // Relays on many HATs switch on a low level: active-low must invert what the wire shows.
    gpiod_line_request_config low_cfg{"fabgate-hil", GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
                                      GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW};
    v.check(gpiod_line_request(out, &low_cfg, 0) == 0 && sim->value(kOut) == 1,
            "raw/active-low-off-is-high");
    gpiod_line_set_value(out, 1);
    v.check(sim->value(kOut) == 0, "raw/active-low-on-is-low");
    gpiod_line_release(out);

    // A Raspberry Pi keeps a released output at its last level, and so must the simulator
    // (scripts/hil-gpio-sim patches it): else a dead daemon's relay looks switched off.
    v.check(gpiod_line_request_output(out, "fabgate-hil", 1) == 0 && sim->value(kOut) == 1,
            "raw/output-driven-high");
    gpiod_line_release(out);
    v.check(sim->value(kOut) == 1, "raw/released-output-keeps-its-level");

    gpiod_line* in = gpiod_chip_get_line(chip, kIn);
    sim->pull(kIn, false);
    v.check(in && gpiod_line_request_both_edges_events(in, "fabgate-hil") == 0,
            "raw/input-edge-request");
    v.check(gpiod_line_get_value(in) == 0, "raw/input-reads-pulled-low");
    sim->pull(kIn, true);
    v.check(next_edge(in, 2000) == GPIOD_LINE_EVENT_RISING_EDGE, "raw/pull-up-gives-rising-edge");
    v.check(gpiod_line_get_value(in) == 1, "raw/input-reads-pulled-high");
    sim->pull(kIn, false);
    v.check(next_edge(in, 2000) == GPIOD_LINE_EVENT_FALLING_EDGE,
            "raw/pull-down-gives-falling-edge");
    v.check(next_edge(in, 100) == 0, "raw/no-spurious-edge");
    gpiod_line_release(in);

    // Every Wiegand pulse, at the timing the later stages send, must reach the reader as its own
    // edge; if not, the simulator (not FabGate) loses bits.
    sim->pull(kIn, true);
    v.check(gpiod_line_request_falling_edge_events(in, "fabgate-hil") == 0,
            "raw/falling-edge-request");
    constexpr int kPulses = 10;  // below the kernel's 16-event queue of a v1 line request
    const std::int64_t start = now_us();
    const WiegandTiming timing;
    for (int i = 0; i < kPulses; ++i) {
        sim->pull(kIn, false);
        spin_for_us(timing.pulse.count());
        sim->pull(kIn, true);
        spin_for_us((timing.period - timing.pulse).count());
    }
    const std::int64_t took = now_us() - start;
    int edges = 0;
    while (next_edge(in, 100) == GPIOD_LINE_EVENT_FALLING_EDGE) ++edges;
    // A rate, not a verdict: pulses toggled through sysfs in a VM without KVM can coalesce.
    v.bench("raw: short pulses gave " + std::to_string(edges) + " edges for " +
            std::to_string(kPulses) + " pulses");
    v.bench("raw: " + std::to_string(kPulses) + " pulses of " +
            std::to_string(timing.pulse.count()) + " us every " +
            std::to_string(timing.period.count()) + " us took " + std::to_string(took) +
            " us through sysfs");
    gpiod_line_release(in);

    // Config files name Pi lines as "GPIO17"; the lookup must find the simulated name too.
    gpiod_line* named = gpiod_chip_find_line(chip, "GPIO17");
    v.check(named && gpiod_line_offset(named) == kNamed, "raw/line-found-by-name");

    gpiod_chip_close(chip);
}

}  // namespace fabgate::hil

#endif

#include "wiegand_driver.hpp"

#include <sched.h>
#include <time.h>

#include <cstdio>

namespace fabgate::hil {
namespace {

// Yielding, not sleeping: under qemu TCG a 100 us nanosleep wakes ~5-10 ms late, which
// stretched a 26-bit frame past the decoder's 25 ms end-of-frame gap (measured: 1 ms periods
// became 11 ms). Pure spinning kept the time but starved gpio-sim's threaded interrupt, which
// drops an edge that arrives while the previous one is still being handled (3 edges for 10
// pulses). sched_yield lets that thread run and keeps the timing.
void sleep_until_us(std::int64_t t_us) {
    while (now_us() < t_us) sched_yield();
}

}  // namespace

std::int64_t now_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

std::vector<int> wiegand26(std::uint32_t facility_card, bool break_parity) {
    std::vector<int> data;
    for (int i = 23; i >= 0; --i) data.push_back(static_cast<int>((facility_card >> i) & 1U));
    int first = 0, second = 0;
    for (int i = 0; i < 12; ++i) first += data[static_cast<std::size_t>(i)];
    for (int i = 12; i < 24; ++i) second += data[static_cast<std::size_t>(i)];
    std::vector<int> bits;
    bits.push_back(first % 2);  // makes the first half even
    bits.insert(bits.end(), data.begin(), data.end());
    int odd = (second % 2) == 0 ? 1 : 0;  // makes the second half odd
    bits.push_back(break_parity ? 1 - odd : odd);
    return bits;
}

std::string wiegand26_uid(std::uint32_t facility_card) {
    char text[8];
    std::snprintf(text, sizeof text, "%06X", facility_card & 0xFFFFFFU);
    return text;
}

void wiegand_idle(const SimChip& sim, unsigned d0, unsigned d1) {
    sim.pull(d0, true);
    sim.pull(d1, true);
}

void spin_for_us(std::int64_t us) {
    sleep_until_us(now_us() + us);
}

bool wiegand_send(const SimChip& sim, unsigned d0, unsigned d1, const std::vector<int>& bits,
                  WiegandTiming timing) {
    // Absolute deadlines: a late wake-up shortens the next gap instead of stretching the frame.
    std::int64_t t = now_us();
    bool ok = true;
    for (int bit : bits) {
        const unsigned line = bit ? d1 : d0;
        ok = sim.pull(line, false) && ok;
        sleep_until_us(t + timing.pulse.count());
        ok = sim.pull(line, true) && ok;
        t += timing.period.count();
        sleep_until_us(t);
    }
    return ok;
}

}  // namespace fabgate::hil

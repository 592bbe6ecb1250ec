#pragma once
// Plays a Wiegand reader on two simulated lines: D0 pulled low for a 0 bit, D1 for a 1 bit,
// lines idle high; the frame ends when the pulses stop, which the decoder notices after its gap
// (25 ms). Real readers pulse ~100 us once per 1-2 ms; 200 us every 2 ms here. gpio-sim merges
// an edge that comes while its threaded interrupt still handles the previous one, so the guest
// runs on one CPU, where each pull's interrupt thread preempts the driver before its next pulse.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sim_chip.hpp"

namespace fabgate::hil {

struct WiegandTiming {
    std::chrono::microseconds pulse{200};
    std::chrono::microseconds period{2000};
};

// 26-bit frame for a 24-bit number (8-bit facility, 16-bit card): even parity over the first
// 12 data bits, odd over the last 12. `break_parity` flips the trailing parity bit.
std::vector<int> wiegand26(std::uint32_t facility_card, bool break_parity = false);
// The UID the gate should see for that number: 3 bytes, upper-case hex.
std::string wiegand26_uid(std::uint32_t facility_card);

// Idles both lines high (call once before the reader is opened, and between tests).
void wiegand_idle(const SimChip& sim, unsigned d0, unsigned d1);
// Sends one frame; false if a line could not be driven.
bool wiegand_send(const SimChip& sim, unsigned d0, unsigned d1, const std::vector<int>& bits,
                  WiegandTiming timing = {});

// CLOCK_MONOTONIC in microseconds.
std::int64_t now_us();
// Waits yielding the CPU: sleeps are far too coarse under qemu TCG for Wiegand timing.
void spin_for_us(std::int64_t us);

}  // namespace fabgate::hil

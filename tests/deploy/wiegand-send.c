// Plays a Wiegand-26 reader on two gpio-sim lines, as tests/hil/wiegand_driver.cpp does: lines
// idle high, D0 pulled low for a 0 bit, D1 for a 1 bit, 200 us pulses every 2 ms. Built static
// on the host by scripts/rehearse-deploy; the guest image has no compiler.
//   usage: wiegand-send SIM_DIR D0 D1 NUMBER      (SIM_DIR /sys/devices/platform/gpio-sim.N/gpiochipM,
//                                                  NUMBER the 24-bit facility+card number, hex)
//          wiegand-send SIM_DIR D0 D1 --idle      (pull both lines up)
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char* sim_dir;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

// Yields rather than sleeps: under qemu TCG a short nanosleep wakes milliseconds late, which
// would stretch the frame past the decoder's 25 ms end-of-frame gap.
static void wait_until_us(int64_t t) {
    while (now_us() < t) sched_yield();
}

static int pull(int line, int high) {
    char path[512];
    snprintf(path, sizeof path, "%s/sim_gpio%d/pull", sim_dir, line);
    int fd = open(path, O_WRONLY);
    if (fd < 0) { perror(path); return 0; }
    const char* v = high ? "pull-up" : "pull-down";
    int ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
    close(fd);
    return ok;
}

int main(int argc, char** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s SIM_DIR D0 D1 NUMBER|--idle\n", argv[0]);
        return 2;
    }
    sim_dir = argv[1];
    int d0 = atoi(argv[2]), d1 = atoi(argv[3]);
    if (strcmp(argv[4], "--idle") == 0) return pull(d0, 1) && pull(d1, 1) ? 0 : 1;
    uint32_t number = (uint32_t)strtoul(argv[4], NULL, 16) & 0xFFFFFFu;
    int bits[26], first = 0, second = 0;
    for (int i = 0; i < 24; ++i) bits[i + 1] = (int)((number >> (23 - i)) & 1u);
    for (int i = 1; i <= 12; ++i) first += bits[i];
    for (int i = 13; i <= 24; ++i) second += bits[i];
    bits[0] = first % 2;          // even parity over the first half
    bits[25] = second % 2 == 0;   // odd parity over the second half
    int ok = 1;
    int64_t t = now_us();
    for (int i = 0; i < 26; ++i) {
        int line = bits[i] ? d1 : d0;
        ok = pull(line, 0) && ok;
        wait_until_us(t + 200);
        ok = pull(line, 1) && ok;
        t += 2000;
        wait_until_us(t);
    }
    return ok ? 0 : 1;
}

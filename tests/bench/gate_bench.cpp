// Gate figures: badge-to-relay latency through the simulated reader, daemon memory and idle
// wake-ups, and a 100,000-badge access list. Prints; does not judge.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "control_socket.hpp"
#include "core/messages.hpp"
#include "gate/gate_app.hpp"
#include "sim_gate.hpp"
#include "sys/log.hpp"
#include "sys/session_ids.hpp"
#include "sys/system_clock.hpp"
#include "test_support.hpp"

using namespace fabgate;
using Steady = std::chrono::steady_clock;

namespace {

double ms_since(Steady::time_point t) {
    return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

struct TimingOutputs final : Outputs {
    std::unique_ptr<Outputs> inner;
    Steady::time_point last_change;
    bool relay = false;
    void set_relay(bool on) override {
        if (on != relay) last_change = Steady::now();
        relay = on;
        inner->set_relay(on);
    }
    void set_after_run(bool on) override { inner->set_after_run(on); }
    void indicate(Indication s) override { inner->indicate(s); }
};

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

std::shared_ptr<AccessList> make_list(int badges) {
    auto list = std::make_shared<AccessList>();
    list->site = "demo";
    list->machine = "printer-1";
    list->version = 1;
    list->generated_at = 1'767'225'600'000;
    for (int i = 0; i < badges; ++i) {
        char uid[16];
        std::snprintf(uid, sizeof uid, "04%06X", i);
        AccessEntry e;
        e.member = "member-" + std::to_string(i);
        e.name = "Member " + std::to_string(i);
        e.role = i % 10 == 0 ? Role::None : Role::User;
        if (i % 7 == 0) e.right_until = 1'800'000'000'000;
        list->entries[Uid::parse(uid).value()] = e;
    }
    return list;
}

void badge_latency(int badges) {
    test::TempDir dir;
    auto config = load_gate_config_text(embedded_demo_config()).value();
    config.journal = dir.file("journal.db");
    config.control_socket = dir.file("gate.sock");
    config.broker.port = test::free_tcp_port();  // nobody there: the gate runs offline
    EventLoop loop;
    SystemClock clock;
    Uuid7Ids ids(clock);
    TimingOutputs* timing = nullptr;
    GateApp gate(
        loop, clock, ids, config,
        [&](const GateConfig& c, EventLoop& l, HardwareEvents& e, const fabgate::Clock& k) {
            auto inner = open_sim_hardware(c, l, e, k);
            auto outputs = std::make_unique<TimingOutputs>();
            outputs->inner = std::move(*inner);
            timing = outputs.get();
            return Result<std::unique_ptr<Outputs>>(std::move(outputs));
        });
    if (!gate.start()) return;
    gate.machine().set_access_list(make_list(1000));

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, config.control_socket.c_str());
    loop.run_once(0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    loop.run_once(10);  // accept

    std::vector<double> on_ms, off_ms;
    const std::string line = "badge 04000001\n";
    for (int i = 0; i < badges; ++i) {
        for (auto* samples : {&on_ms, &off_ms}) {
            bool want = samples == &on_ms;
            auto t0 = Steady::now();
            if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return;
            while (timing->relay != want) loop.run_once(100);
            samples->push_back(
                std::chrono::duration<double, std::milli>(timing->last_change - t0).count());
            char reply[256];
            while (recv(fd, reply, sizeof reply, MSG_DONTWAIT) > 0) {
            }
            loop.run_once(0);  // the deferred journal sync, as the daemon would run it
        }
    }
    close(fd);
    std::printf(
        "badge-to-relay, simulated reader socket -> relay output, %d badges (journal on %s):\n",
        badges, dir.path().c_str());
    std::printf("  relay on : p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", percentile(on_ms, 0.5),
                percentile(on_ms, 0.99), percentile(on_ms, 1.0));
    std::printf("  relay off: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", percentile(off_ms, 0.5),
                percentile(off_ms, 0.99), percentile(off_ms, 1.0));
}

void access_list_100k() {
    auto list = make_list(100'000);
    auto payload = encode(*list);
    auto t0 = Steady::now();
    auto snapshot = decode_access_list(payload);
    double decode_ms = ms_since(t0);
    if (!snapshot) {
        std::printf("decode failed: %s\n", snapshot.error().message().c_str());
        return;
    }
    t0 = Steady::now();
    auto applied = std::make_shared<AccessList>(std::move(snapshot->list));
    double apply_ms = ms_since(t0);
    const int lookups = 1'000'000;
    std::vector<Uid> probes;
    for (int i = 0; i < 1000; ++i)
        probes.push_back(Uid::parse(i % 2 ? "04000ABC" : "DEADBEEF").value());
    t0 = Steady::now();
    std::size_t found = 0;
    for (int i = 0; i < lookups; ++i)
        found += applied->find(probes[static_cast<std::size_t>(i) % probes.size()]) != nullptr;
    double lookup_ns = ms_since(t0) * 1e6 / lookups;
    std::printf(
        "access list, 100,000 badges, %.1f MB JSON: validate+decode %.0f ms, apply %.1f ms, lookup "
        "%.0f ns (%zu hits)\n",
        static_cast<double>(payload.size()) / 1e6, decode_ms, apply_ms, lookup_ns, found);
}

long status_field(pid_t pid, const char* field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0)
            return std::strtol(line.c_str() + std::strlen(field) + 1, nullptr, 10);
    return -1;
}

void daemon_figures(int idle_seconds) {
    test::TestBroker broker;
    test::TempDir dir;
    std::string sock = dir.file("gate.sock");
    test::ChildProcess gate({FABGATE_BIN, "--broker-port", std::to_string(broker.port()),
                             "--journal", dir.file("journal.db"), "--control-socket", sock},
                            dir.file("gate.log"));
    for (int i = 0; i < 500 && access(sock.c_str(), F_OK) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    long rss_start = status_field(gate.pid(), "VmRSS:");
    long anon = status_field(gate.pid(), "RssAnon:");
    long pss = -1;
    {
        std::ifstream in("/proc/" + std::to_string(gate.pid()) + "/smaps_rollup");
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("Pss:", 0) == 0) pss = std::strtol(line.c_str() + 4, nullptr, 10);
    }
    for (int i = 0; i < 1000; ++i) (void)send_control_command(sock, "badge 04A1B2C3");
    long hwm = status_field(gate.pid(), "VmHWM:");
    long before = status_field(gate.pid(), "voluntary_ctxt_switches:") +
                  status_field(gate.pid(), "nonvoluntary_ctxt_switches:");
    std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
    long after = status_field(gate.pid(), "voluntary_ctxt_switches:") +
                 status_field(gate.pid(), "nonvoluntary_ctxt_switches:");
    std::printf(
        "fabgate daemon (simulated hardware, broker connected, keepalive 30 s): RSS %ld KiB after "
        "start "
        "(anonymous %ld KiB, the rest shared library pages; PSS %ld KiB), peak %ld KiB after 1,000 "
        "refused badges\n",
        rss_start, anon, pss, hwm);
    std::printf(
        "  idle wake-ups: %ld in %d s = %.2f/s (MQTT housekeeping every keepalive/4 = 7.5 s)\n",
        after - before, idle_seconds, static_cast<double>(after - before) / idle_seconds);
    gate.signal(SIGTERM);
    gate.wait(std::chrono::seconds(5));
}

}  // namespace

int main(int argc, char** argv) {
    log::set_threshold(log::Level::Error);
    int badges = argc > 1 ? std::atoi(argv[1]) : 10'000;
    int idle = argc > 2 ? std::atoi(argv[2]) : 30;
    badge_latency(badges);
    access_list_100k();
    daemon_figures(idle);
}

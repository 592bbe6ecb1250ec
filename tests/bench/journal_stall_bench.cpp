// How long the gate's loop is held by journal writes: every badge in (session start), every
// checkpoint and every badge out (session close, moved to the outbox) is timed as the call the
// loop makes, which is the time nothing else (badges, interlocks, the watchdog) can run.
// The journal goes on a real disk, not tmpfs, where fsync would be free.
// Usage: journal_stall_bench [sessions] [journal directory, default: the current one] [mode].
// With mode "inline", every commit is synced on the loop before it goes on, as the gate did
// before its sync thread: the figures to compare with. With mode "latency", badges and
// interlocks arrive from another thread at random moments while the journal commits and syncs,
// and what is timed is badge -> relay on and interlock -> relay off; run it on a slow device
// (tests/bench/slow_journal_device.sh) to see them while every sync takes 50-200 ms.
// Also counted: the syncs SQLite made on the loop's own thread. Prints; does not judge.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gate/gate_app.hpp"
#include "latency_run.hpp"
#include "loop/unique_fd.hpp"
#include "loop_syncs.hpp"
#include "sys/log.hpp"
#include "sys/session_ids.hpp"

using namespace fabgate;
using Steady = std::chrono::steady_clock;

namespace {

struct NullOutputs final : Outputs {
    void set_relay(bool) override {}
    void set_after_run(bool) override {}
    void indicate(Indication) override {}
};

// The loop waits for the disk at every commit.
class InlineSyncer final : public JournalSyncer {
  public:
    InlineSyncer(EventLoop& loop, const std::string& path) : loop_(loop), path_(path) {}
    void sync_through(std::uint64_t through) override {
        if (!wal_) wal_.reset(::open((path_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC));
        if (!wal_ || ::fdatasync(wal_.get()) != 0) return;
        synced_ = through;
        loop_.add_oneshot(std::chrono::milliseconds(0), [this, through] { durable_(through); });
    }
    void on_durable(Durable durable) override { durable_ = std::move(durable); }
    std::uint64_t finish() override { return synced_; }

  private:
    EventLoop& loop_;
    std::string path_;
    UniqueFd wal_;
    Durable durable_;
    std::uint64_t synced_ = 0;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// Times a call on the loop thread and counts the times it blocked in the kernel (voluntary
// context switches: a disk wait, a lock) apart from the times it was merely preempted by another
// process on a busy machine.
long blocked_total = 0;

template <typename F>
double timed_ms(F&& f) {
    rusage before{}, after{};
    getrusage(RUSAGE_THREAD, &before);
    auto t0 = Steady::now();
    f();
    double ms = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
    getrusage(RUSAGE_THREAD, &after);
    blocked_total += after.ru_nvcsw - before.ru_nvcsw;
    return ms;
}

void print(const char* what, const std::vector<double>& ms, long blocked) {
    auto over_1ms = std::count_if(ms.begin(), ms.end(), [](double v) { return v > 1.0; });
    std::printf(
        "  %-27s p50 %6.3f ms  p99 %6.3f ms  max %6.3f ms  %3ld of %4zu over 1 ms, blocked %ld "
        "times\n",
        what, percentile(ms, 0.5), percentile(ms, 0.99), percentile(ms, 1.0),
        static_cast<long>(over_1ms), ms.size(), blocked);
}

}  // namespace

int main(int argc, char** argv) {
    log::set_threshold(log::Level::Error);
    bench::count_syncs_on_this_thread();
    int sessions = argc > 1 ? std::atoi(argv[1]) : 200;
    std::string base = argc > 2 ? argv[2] : ".";
    std::string mode = argc > 3 ? argv[3] : "";
    bool inline_sync = mode == "inline";
    std::filesystem::create_directories(base);
    std::string dir = base + "/run-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    if (mode == "latency") {
        bench::latency_run(sessions, dir);
        std::filesystem::remove_all(dir);
        return 0;
    }

    auto config = load_gate_config_text(embedded_demo_config()).value();
    config.journal = dir + "/journal.db";
    config.control_socket.clear();
    config.broker.port = 1;  // nobody there: offline, so only the journal is measured
    EventLoop loop;
    FakeClock clock;
    clock.set_wall_base(1'767'225'600'000);
    Uuid7Ids ids(clock);
    std::vector<double> start_ms, checkpoint_ms, close_ms, turn_ms;
    long start_blocked = 0, checkpoint_blocked = 0, close_blocked = 0, turn_blocked = 0;
    auto sample = [](std::vector<double>& into, long& blocked, auto&& f) {
        long was = blocked_total;
        into.push_back(timed_ms(f));
        blocked += blocked_total - was;
    };
    GateTuning tuning;
    if (inline_sync)
        tuning.syncer = [](EventLoop& l, const std::string& path) {
            return Result<std::unique_ptr<JournalSyncer>>(std::make_unique<InlineSyncer>(l, path));
        };
    {
        GateApp gate(
            loop, clock, ids, config,
            [](const GateConfig&, EventLoop&, HardwareEvents&, const Clock&) {
                return Result<std::unique_ptr<Outputs>>(std::make_unique<NullOutputs>());
            },
            {}, tuning);
        if (!gate.start()) return 1;
        auto list = std::make_shared<AccessList>();
        list->site = config.site;
        list->machine = config.machine;
        list->version = 1;
        AccessEntry e;
        e.member = "m";
        e.role = Role::User;
        auto uid = Uid::parse("04A1B2C3").value();
        list->entries[uid] = e;
        gate.machine().set_access_list(list);
        for (int i = 0; i < sessions; ++i) {
            sample(start_ms, start_blocked, [&] { gate.badge_presented(uid); });
            sample(turn_ms, turn_blocked, [&] { loop.run_once(0); });
            for (int c = 0; c < 3; ++c) {
                clock.advance(31'000);  // past the 30 s checkpoint interval
                sample(checkpoint_ms, checkpoint_blocked, [&] { gate.machine().tick(); });
                sample(turn_ms, turn_blocked, [&] { loop.run_once(0); });
            }
            sample(close_ms, close_blocked, [&] { gate.badge_presented(uid); });
            sample(turn_ms, turn_blocked, [&] { loop.run_once(0); });
        }
    }
    std::printf("loop held by journal writes, %d sessions, journal on %s, synced %s:\n", sessions,
                dir.c_str(), inline_sync ? "on the loop (inline)" : "by the sync thread");
    print("badge in (session start)", start_ms, start_blocked);
    print("checkpoint", checkpoint_ms, checkpoint_blocked);
    print("badge out (session close)", close_ms, close_blocked);
    print("loop turn after each", turn_ms, turn_blocked);
    auto syncs = bench::loop_syncs();
    std::printf("  syncs on the loop's thread: %llu, %.1f ms in all, longest %.3f ms\n",
                static_cast<unsigned long long>(syncs.count), syncs.total_ms, syncs.max_ms);
    std::filesystem::remove_all(dir);
}

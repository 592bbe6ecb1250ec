#include "latency_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "gate/gate_app.hpp"
#include "gate/wal_sync_thread.hpp"
#include "loop_syncs.hpp"
#include "sys/session_ids.hpp"

namespace fabgate::bench {
namespace {

using Steady = std::chrono::steady_clock;
constexpr off_t kCheckpointBytes = 32 << 10;

double ms_between(Steady::time_point from, Steady::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void print(const char* what, const std::vector<double>& ms) {
    auto over_5ms = std::count_if(ms.begin(), ms.end(), [](double v) { return v > 5.0; });
    std::printf("  %-30s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  %3ld of %4zu over 5 ms\n", what,
                percentile(ms, 0.5), percentile(ms, 0.99), percentile(ms, 1.0),
                static_cast<long>(over_5ms), ms.size());
}

// What another thread (a reader, a GPIO line) hands the loop, and when.
struct Event {
    char kind;  // 'B' badge, 'I' interlock opens, 'C' interlock closes
    Steady::time_point sent;
};

// Times the relay's changes against the event being handled.
struct TimingOutputs final : Outputs {
    std::atomic<bool> relay{false};
    const Event* handling = nullptr;
    std::vector<double> badge_on, badge_off, interlock_off;
    void set_relay(bool on) override {
        if (on == relay) return;
        relay = on;
        if (!handling) return;
        double ms = ms_between(handling->sent, Steady::now());
        if (on && handling->kind == 'B') badge_on.push_back(ms);
        if (!on && handling->kind == 'B') badge_off.push_back(ms);
        if (!on && handling->kind == 'I') interlock_off.push_back(ms);
    }
    void set_after_run(bool) override {}
    void indicate(Indication) override {}
};

// fdatasync, timed: how slow the device really is.
struct TimedDisk {
    std::mutex mutex;
    std::vector<double> sync_ms;
    int sync(int fd) {
        auto t0 = Steady::now();
        int result = ::fdatasync(fd);
        std::lock_guard lock(mutex);
        sync_ms.push_back(ms_between(t0, Steady::now()));
        return result;
    }
};

// The other thread: a badge in, then an interlock opening (or a badge out), at random
// moments that do not wait for the loop, as a reader or a GPIO line would not.
void feed(int cycles, int fd, const std::atomic<int>& handled, int min_gap_ms, int max_gap_ms,
          int& sent) {
    std::mt19937 random(42);
    std::uniform_int_distribution<int> gap_ms(min_gap_ms, max_gap_ms);
    auto send = [&](char kind) {
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms(random)));
        Event e{kind, Steady::now()};
        if (::write(fd, &e, sizeof e) == static_cast<ssize_t>(sizeof e)) ++sent;
    };
    for (int i = 0; i < cycles; ++i) {
        send('B');
        if (i % 2 == 0) {
            send('I');
            send('C');
        } else {
            send('B');
        }
    }
    while (handled.load() < sent) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::shared_ptr<AccessList> one_member(const GateConfig& config, const Uid& uid) {
    auto list = std::make_shared<AccessList>();
    list->site = config.site;
    list->machine = config.machine;
    list->version = 1;
    AccessEntry e;
    e.member = "m";
    e.role = Role::User;
    list->entries[uid] = e;
    return list;
}

}  // namespace

// Over 60 lines: one scenario, set up and run in order; split, it would read worse.
void latency_run(int cycles, const std::string& dir) {
    auto config = load_gate_config_text(embedded_demo_config()).value();
    config.journal = dir + "/journal.db";
    config.control_socket.clear();
    config.broker.port = 1;  // nobody there: offline, so only the journal is measured
    EventLoop loop;
    FakeClock clock;
    clock.set_wall_base(1'767'225'600'000);
    Uuid7Ids ids(clock);
    TimedDisk disk;
    GateTuning tuning;
    tuning.sync_deadline = std::chrono::seconds(60);  // measure a slow disk, do not fault on it
    tuning.syncer = [&disk](EventLoop& l, const std::string& path) {
        WalSyncOptions options;
        options.sync_file = [&disk](int fd) { return disk.sync(fd); };
        // Checkpoints, and the WAL header syncs SQLite makes on the loop after each, come
        // every few sessions here instead of every few hundred.
        options.checkpoint_bytes = kCheckpointBytes;
        auto made = WalSyncThread::start(l, path, options);
        if (!made) return Result<std::unique_ptr<JournalSyncer>>(tl::unexpected(made.error()));
        return Result<std::unique_ptr<JournalSyncer>>(std::move(*made));
    };
    TimingOutputs* outputs = nullptr;
    auto uid = Uid::parse("04A1B2C3").value();
    LoopSyncs at_start, running;
    double shutdown_ms = 0;
    {
        auto app = std::make_unique<GateApp>(
            loop, clock, ids, config,
            [&](const GateConfig&, EventLoop&, HardwareEvents&, const Clock&) {
                auto made = std::make_unique<TimingOutputs>();
                outputs = made.get();
                return Result<std::unique_ptr<Outputs>>(std::move(made));
            },
            std::string{}, tuning);
        auto& gate = *app;
        if (!gate.start()) return;
        gate.machine().set_access_list(one_member(config, uid));
        at_start = loop_syncs();

        int pipe_fds[2];
        if (::pipe(pipe_fds) != 0) return;
        std::atomic<int> handled{0};
        (void)loop.watch(pipe_fds[0], EPOLLIN, [&](std::uint32_t) {
            Event e{};
            if (::read(pipe_fds[0], &e, sizeof e) != static_cast<ssize_t>(sizeof e)) return;
            outputs->handling = &e;
            if (e.kind == 'B')
                gate.badge_presented(uid);
            else
                gate.input_changed(InputKind::Interlock, "lid", e.kind == 'I');
            outputs->handling = nullptr;
            ++handled;
        });
        // A running session checkpoints too: every 20 ms, 31 s of machine time pass.
        bool ticking = true;
        auto ticker = loop.add_timer(
            std::chrono::milliseconds(20),
            [&] {
                if (!ticking) return;
                clock.advance(31'000);
                gate.machine().tick();
            },
            std::chrono::milliseconds(20));
        // Busy: an event every few ms, so a commit is nearly always waiting for a sync and
        // the checkpoints never catch up. Quiet: events far enough apart for the checkpoints
        // to empty the WAL, so that SQLite restarts it, and syncs its header, on the loop.
        struct Phase {
            const char* name;
            int cycles, min_gap_ms, max_gap_ms;
        };
        int sent = 0;
        for (Phase phase : {Phase{"busy", cycles, 2, 20}, Phase{"quiet", cycles / 20, 400, 600}}) {
            ticking = phase.min_gap_ms < 100;  // quiet: the journal's only writes are the events'
            auto syncs_before = loop_syncs();
            auto marks = std::make_tuple(outputs->badge_on.size(), outputs->badge_off.size(),
                                         outputs->interlock_off.size());
            std::atomic<bool> done{false};
            std::thread feeder([&] {
                feed(phase.cycles, pipe_fds[1], handled, phase.min_gap_ms, phase.max_gap_ms, sent);
                done = true;
            });
            while (!done) loop.run_once(10);
            feeder.join();
            auto tail = [](const std::vector<double>& v, std::size_t from) {
                return std::vector<double>(v.begin() + static_cast<long>(from), v.end());
            };
            std::printf(
                "%s: %d cycles, events %d-%d ms apart, from another thread, journal on %s\n",
                phase.name, phase.cycles, phase.min_gap_ms, phase.max_gap_ms, dir.c_str());
            print("badge -> relay on", tail(outputs->badge_on, std::get<0>(marks)));
            print("badge out -> relay off", tail(outputs->badge_off, std::get<1>(marks)));
            print("interlock -> relay off", tail(outputs->interlock_off, std::get<2>(marks)));
            auto syncs = loop_syncs();
            std::printf("  syncs on the loop's thread: %llu, %.1f ms in all\n",
                        static_cast<unsigned long long>(syncs.count - syncs_before.count),
                        syncs.total_ms - syncs_before.total_ms);
        }
        loop.cancel_timer(ticker);
        loop.unwatch(pipe_fds[0]);
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        running = loop_syncs();
        auto t0 = Steady::now();
        app.reset();  // shutdown: the session closed, its sync joined
        shutdown_ms = ms_between(t0, Steady::now());
    }
    auto at_end = loop_syncs();
    {
        std::lock_guard lock(disk.mutex);
        print("journal sync (sync thread)", disk.sync_ms);
    }
    auto line = [](const char* when, const LoopSyncs& to, const LoopSyncs& from) {
        std::printf("  syncs on the loop's thread %-14s %3llu, %8.1f ms in all\n", when,
                    static_cast<unsigned long long>(to.count - from.count),
                    to.total_ms - from.total_ms);
    };
    line("at start:", at_start, LoopSyncs{});
    line("at shutdown:", at_end, running);
    std::printf("  (a checkpoint every %lld KiB of WAL; shutdown, sync thread joined: %.1f ms)\n",
                static_cast<long long>(kCheckpointBytes >> 10), shutdown_ms);
}

}  // namespace fabgate::bench

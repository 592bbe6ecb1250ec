#pragma once
// A gate on fake hardware and a fake clock: what the member sees (relay, signals) and what the
// journal and broker receive (records, statuses, events) are all recorded for assertions.
#include <memory>
#include <string>
#include <vector>

#include "core/gate_machine.hpp"

namespace fabgate::testing {

struct RecordingOutputs : Outputs {
    bool relay = true;  // deliberately wrong: the machine must switch it off at construction
    bool after_run = true;
    std::vector<Indication> signals;
    int relay_switches = 0;
    void set_relay(bool on) override {
        if (on != relay) ++relay_switches;
        relay = on;
    }
    void set_after_run(bool on) override { after_run = on; }
    void indicate(Indication s) override { signals.push_back(s); }
};

struct RecordingListener : GateListener {
    std::vector<SessionRecord> started, checkpoints, ended;
    std::vector<MachineStatus> statuses;
    std::vector<GateEvent> events;
    bool journal_fails = false;
    Status session_started(const SessionRecord& r) override {
        if (journal_fails) return fail("journal", "disk full");
        started.push_back(r);
        return {};
    }
    void session_checkpoint(const SessionRecord& r) override { checkpoints.push_back(r); }
    void session_ended(const SessionRecord& r) override { ended.push_back(r); }
    void status_changed(const MachineStatus& s) override { statuses.push_back(s); }
    void badge_event(const GateEvent& e) override { events.push_back(e); }
};

struct CountingIds : IdSource {
    int n = 0;
    std::string next_session_id() override { return "session-" + std::to_string(++n); }
};

inline Uid uid(const char* text) {
    return Uid::parse(text).value();
}

struct Gate {
    FakeClock clock;
    RecordingOutputs outputs;
    RecordingListener listener;
    CountingIds ids;
    std::unique_ptr<GateMachine> machine;

    explicit Gate(MachinePolicy policy = {}) {
        machine =
            std::make_unique<GateMachine>("lab", "laser-1", policy, clock, outputs, listener, ids);
        auto list = std::make_shared<AccessList>();
        list->site = "lab";
        list->machine = "laser-1";
        list->version = 1;
        list->generated_at = clock.wall().unix_ms - 1000;
        add(*list, "A1", "alice", Role::User);
        add(*list, "B2", "bob", Role::User);
        add(*list, "5C", "sam", Role::Supervisor);
        add(*list, "3A", "max", Role::Maintainer);
        add(*list, "0E", "newbie", Role::None);
        auto& suspended = add(*list, "55", "sue", Role::User);
        suspended.suspended = true;
        auto& lapsed = add(*list, "EE", "lapsed", Role::User);
        lapsed.member_until = clock.wall().unix_ms - 5000;
        auto& stale = add(*list, "7A", "stale", Role::User);
        stale.right_until = clock.wall().unix_ms - 5000;
        machine->set_access_list(list);
    }

    static AccessEntry& add(AccessList& list, const char* u, const char* member, Role role) {
        AccessEntry e;
        e.member = member;
        e.name = member;
        e.role = role;
        return list.entries[uid(u)] = e;
    }

    BadgeOutcome badge(const char* u) { return machine->badge(uid(u)); }

    // Moves time forward, firing deadlines as the daemon's timer would.
    void advance_s(std::int64_t seconds) {
        MonoMs target = clock.monotonic() + seconds * 1000;
        while (true) {
            auto d = machine->next_deadline();
            if (!d || *d > target) break;
            clock.advance(std::max<MonoMs>(0, *d - clock.monotonic()));
            machine->tick();
        }
        clock.advance(target - clock.monotonic());
    }

    MachineState state() const { return machine->status().state; }
};

}  // namespace fabgate::testing

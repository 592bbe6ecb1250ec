#pragma once
// Fifty manager changes in quick succession, made the way fabctl makes them (LedgerDb's API on
// its own connection), each one checked in the access lists a gate receives. Every change
// touches its own member, so each flips exactly one badge between "opens laser-1" and "does
// not", and the first list showing the new state proves when that change reached the gate.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/access.hpp"
#include "ledger/ledger_db.hpp"

namespace fabgate::ledger_test {

using ledger::LedgerDb;
using ledger::Member;
using ledger::MemberStatus;
using ledger::Right;

class AclChangeBurst {
  public:
    using Clock = std::chrono::steady_clock;
    enum class Kind { Grant, Revoke, Suspend, Reinstate, AssignBadge, UnassignBadge };
    static constexpr int kChanges = 50;
    static constexpr const char* kMachine = "laser-1";

    struct Change {
        Kind kind;
        std::string member;
        std::string uid;
        bool opens_after;
        std::optional<Clock::time_point> made;
        std::optional<Clock::time_point> seen;
    };

    AclChangeBurst() {
        static constexpr Kind kCycle[] = {Kind::Grant,     Kind::Revoke,      Kind::Suspend,
                                          Kind::Reinstate, Kind::AssignBadge, Kind::UnassignBadge};
        for (int n = 0; n < kChanges; ++n) {
            Kind kind = kCycle[n % 6];
            char uid[16];
            std::snprintf(uid, sizeof uid, "B0B0%04X", n);
            bool opens_after =
                kind == Kind::Grant || kind == Kind::Reinstate || kind == Kind::AssignBadge;
            changes_.push_back({kind, "burst-" + std::to_string(n), uid, opens_after, {}, {}});
        }
    }

    // Members, badges and rights as they stand before the burst: each change's badge opens
    // laser-1 exactly when its change is not yet made, or it does not open it.
    Status prepare(LedgerDb& db, UnixMs now) const {
        for (const auto& c : changes_) {
            Member m;
            m.id = c.member;
            m.name = "Burst " + c.member;
            if (c.kind == Kind::Reinstate) m.status = MemberStatus::Suspended;
            if (auto s = db.members().add(m, "test", now); !s) return s;
            if (c.kind != Kind::AssignBadge)
                if (auto s = db.badges().assign(c.uid, c.member, "", "test", now); !s) return s;
            if (c.kind != Kind::Grant)
                if (auto s = db.rights().grant(right_of(c), "test", now); !s) return s;
        }
        return {};
    }

    // Makes change n through fabctl's API and notes when it was committed.
    Status make(std::size_t n, LedgerDb& db, UnixMs now) {
        auto& c = changes_.at(n);
        const std::string actor = "fabctl:burst";
        Status s;
        switch (c.kind) {
            case Kind::Grant:
                s = db.rights().grant(right_of(c), actor, now);
                break;
            case Kind::Revoke:
                s = db.rights().revoke(c.member, TargetKind::Machine, kMachine, actor, now);
                break;
            case Kind::Suspend:
                s = db.members().set_status(c.member, MemberStatus::Suspended, actor, now);
                break;
            case Kind::Reinstate:
                s = db.members().set_status(c.member, MemberStatus::Active, actor, now);
                break;
            case Kind::AssignBadge:
                s = db.badges().assign(c.uid, c.member, "", actor, now);
                break;
            case Kind::UnassignBadge:
                s = db.badges().unassign(c.uid, actor, now);
                break;
        }
        c.made = Clock::now();
        return s;
    }

    // Every list laser-1's gate receives, as it arrives.
    void observe(const AccessList& list) {
        auto now = Clock::now();
        for (auto& c : changes_)
            if (c.made && !c.seen && opens(list, c.uid) == c.opens_after) c.seen = now;
    }

    bool seen(std::size_t n) const { return changes_.at(n).seen.has_value(); }

    bool all_seen() const {
        for (const auto& c : changes_)
            if (!c.seen) return false;
        return true;
    }

    // Changes not seen within `bound` of being made, described for the failure message.
    std::vector<std::string> late(std::chrono::milliseconds bound) const {
        std::vector<std::string> out;
        for (std::size_t n = 0; n < changes_.size(); ++n) {
            const auto& c = changes_[n];
            if (c.seen && *c.seen - *c.made <= bound) continue;
            std::ostringstream s;
            s << "change " << n << " (" << name(c.kind) << " " << c.member << ") "
              << (c.seen ? "seen after " + std::to_string(ms(*c.seen - *c.made)) + " ms"
                         : std::string("never seen"));
            out.push_back(s.str());
        }
        return out;
    }

    long slowest_ms() const {
        long worst = 0;
        for (const auto& c : changes_)
            if (c.seen) worst = std::max(worst, ms(*c.seen - *c.made));
        return worst;
    }

    std::size_t size() const { return changes_.size(); }

  private:
    static Right right_of(const Change& c) {
        Right r;
        r.member_id = c.member;
        r.target_kind = TargetKind::Machine;
        r.target = kMachine;
        r.role = Role::User;
        return r;
    }
    static bool opens(const AccessList& list, const std::string& uid) {
        auto parsed = Uid::parse(uid);
        const auto* e = parsed ? list.find(*parsed) : nullptr;
        return e && e->role != Role::None && !e->suspended;
    }
    static long ms(Clock::duration d) {
        return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    }
    static const char* name(Kind k) {
        switch (k) {
            case Kind::Grant:
                return "grant";
            case Kind::Revoke:
                return "revoke";
            case Kind::Suspend:
                return "suspend";
            case Kind::Reinstate:
                return "reinstate";
            case Kind::AssignBadge:
                return "assign badge";
            case Kind::UnassignBadge:
                return "unassign badge";
        }
        return "?";
    }

    std::vector<Change> changes_;
};

}  // namespace fabgate::ledger_test

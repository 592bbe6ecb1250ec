// The outbox pump on its own: what reaches the ledger, in which order, and when it goes again.
#include "gate/session_outbox.hpp"

#include <doctest/doctest.h>

#include "../core/sample_session.hpp"
#include "core/ack_wire.hpp"
#include "core/messages.hpp"
#include "test_support.hpp"

using namespace fabgate;

namespace {

struct RecordingLink final : SessionLink {
    bool up = true;
    std::vector<std::string> sent;  // session ids, in publishing order
    bool link_up() const override { return up; }
    bool publish_session(std::string_view payload) override {
        sent.push_back(decode_session(payload).value().id);
        return true;
    }
};

struct OutboxRig {
    test::TempDir dir;
    Journal journal = Journal::open(dir.file("journal.db")).value();
    EventLoop loop;
    FakeClock clock;
    GateConfig config;
    RecordingLink link;
    int syncs_asked = 0;
    std::unique_ptr<SessionOutbox> outbox;

    explicit OutboxRig(int window) {
        config.site = "lab";
        config.machine = "laser-1";
        config.insecure_unsigned_acl = true;  // acks unsigned: the signature has its own tests
        outbox = std::make_unique<SessionOutbox>(
            loop, clock, config, link,
            SessionOutbox::Tuning{window, std::chrono::milliseconds(60'000)},
            [this] { ++syncs_asked; });
        REQUIRE(outbox->start());
        outbox->attach(journal);
    }
    // Closes sessions s-<first>..s-<last>; returns the outbox seq of the last.
    std::int64_t close_sessions(int first, int last) {
        for (int i = first; i <= last; ++i) {
            auto s = test::sample_session();
            s.id = "s-" + std::to_string(i);
            REQUIRE(journal.session_opened(s));
            REQUIRE(journal.session_closed(s));
        }
        return journal.last_outbox_seq().value();
    }
    std::string ack(std::vector<std::string> ids) const {
        return encode_ack_body(SignedAck{"lab", "laser-1", clock.wall().unix_ms, std::move(ids)});
    }
};

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("the outbox sends in journal order, a window at a time, only what is on disk") {
    OutboxRig rig(2);
    auto through_s3 = rig.close_sessions(1, 3);
    rig.close_sessions(4, 4);
    rig.outbox->publishable_through(through_s3);  // s-4 is not synced yet
    CHECK(rig.link.sent == Ids{"s-1", "s-2"});

    rig.outbox->handle_ack(rig.ack({"s-1", "s-2"}));
    CHECK(rig.link.sent == Ids{"s-1", "s-2", "s-3"});  // room for two, but s-4 is not synced
    CHECK(rig.syncs_asked == 1);                       // the removal must reach the disk too

    rig.outbox->handle_ack(rig.ack({"s-3"}));
    CHECK(rig.link.sent == Ids{"s-1", "s-2", "s-3"});
    rig.outbox->publishable_through(rig.journal.last_outbox_seq().value());
    CHECK(rig.link.sent == Ids{"s-1", "s-2", "s-3", "s-4"});
}

TEST_CASE("unacknowledged sessions go again after resend_after of silence, not before") {
    OutboxRig rig(10);
    rig.outbox->publishable_through(rig.close_sessions(1, 2));
    CHECK(rig.link.sent == Ids{"s-1", "s-2"});

    rig.clock.advance(59'000);
    rig.outbox->resend_if_unacknowledged();
    CHECK(rig.link.sent.size() == 2);

    rig.clock.advance(1'000);
    rig.outbox->resend_if_unacknowledged();
    CHECK(rig.link.sent == Ids{"s-1", "s-2", "s-1", "s-2"});
}

TEST_CASE("a new connection publishes again what the last one left unacknowledged") {
    OutboxRig rig(10);
    rig.link.up = false;
    rig.outbox->publishable_through(rig.close_sessions(1, 2));
    CHECK(rig.link.sent.empty());
    rig.link.up = true;
    rig.outbox->connected();
    CHECK(rig.link.sent == Ids{"s-1", "s-2"});
    rig.outbox->connected();  // a new connection, whether or not the old one was seen to drop
    CHECK(rig.link.sent == Ids{"s-1", "s-2", "s-1", "s-2"});
}

TEST_CASE("an ack the gate cannot trust removes nothing and is counted") {
    OutboxRig rig(10);
    rig.config.insecure_unsigned_acl = false;  // now an unsigned ack is a forgery
    rig.outbox->publishable_through(rig.close_sessions(1, 2));
    rig.outbox->handle_ack(rig.ack({"s-1", "s-2"}));
    CHECK(rig.outbox->refused_acks() == 1);
    CHECK(rig.journal.outbox_size().value() == 2);
    rig.clock.advance(60'000);
    rig.outbox->resend_if_unacknowledged();
    CHECK(rig.link.sent == Ids{"s-1", "s-2", "s-1", "s-2"});
}
